import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

let written = 0;

/**
 * Replaces a file so that a reader, a crash or a power cut sees the old
 * content or the new, never part of it: written beside it, synced, renamed
 * over it, and the rename synced. The temporary name is the writer's own
 * (process id and a count), so two writers never write into one file, and
 * never ends in the file's own suffix, so a reader that globs (node-exporter's
 * *.prom) skips it. A writer that fails removes its temporary file; one killed
 * part way leaves it, in no one's way.
 */
export function replaceFile(hostPath: string, content: string, mode: number): void {
  const next = `${hostPath}.new-${process.pid}-${++written}`;
  // Left by a killed process that had this id before us.
  rmSync(next, { force: true });
  const fd = openSync(next, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(next, hostPath);
  } catch (error) {
    rmSync(next, { force: true });
    throw error;
  }
  const dirFd = openSync(dirname(hostPath), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
