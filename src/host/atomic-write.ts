import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces a file so that a reader, a crash or a power cut sees the old
 * content or the new, never part of it: written beside it, synced, renamed
 * over it, and the rename synced. The temporary name never ends in the
 * file's own suffix, so a reader that globs (node-exporter's *.prom) skips it.
 */
export function replaceFile(hostPath: string, content: string, mode: number): void {
  const next = `${hostPath}.new`;
  rmSync(next, { force: true });
  const fd = openSync(next, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(next, hostPath);
  const dirFd = openSync(dirname(hostPath), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
