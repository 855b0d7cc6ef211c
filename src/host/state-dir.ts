import { closeSync, constants, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import type { SystemRoot } from './system-root.js';
import { STATE_DIR } from './paths.js';

/**
 * Creates /run/kexec-reboot for root alone. Anyone who could plant a symlink
 * or a file there could redirect what we write or forge a load record,
 * so an existing entry must be a real directory of ours, closed to others.
 */
function ensureStateDir(root: SystemRoot): string {
  const dir = root.path(STATE_DIR);
  let stat = lstatSync(dir, { throwIfNoEntry: false });
  if (!stat) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      // Made by another of our processes since the look above.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    stat = lstatSync(dir);
  }
  const uid = process.getuid?.() ?? 0;
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) {
    throw new Error(`${STATE_DIR} is not a directory owned by uid ${uid} and closed to others; remove it and try again`);
  }
  return dir;
}

/** Creates (or truncates) a file in the state directory without following a planted symlink; returns its descriptor. */
export function createStateFile(root: SystemRoot, systemPath: string): number {
  ensureStateDir(root);
  return openSync(
    root.path(systemPath),
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o600,
  );
}

export function writeStateFile(root: SystemRoot, systemPath: string, content = ''): void {
  const fd = createStateFile(root, systemPath);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}
