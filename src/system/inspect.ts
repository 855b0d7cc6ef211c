import fs from 'node:fs';
import type { SystemRoot } from '../system-root.js';
import type { FileIdentity } from '../plan/fingerprint.js';
import { untrustedBecause } from './trust.js';

/** What the planner needs to know about a kernel or initrd file. */
export interface FileFacts {
  readonly path: string;
  /** Set when the file is usable: what a load made from it is compared by. */
  readonly identity?: FileIdentity;
  /** Why the file cannot be used, or undefined when it can. */
  readonly problem?: string;
}

/** The Linux x86 boot protocol puts "HdrS" at offset 0x202 of a bzImage. */
const BZIMAGE_MAGIC_OFFSET = 0x202;
const BZIMAGE_MAGIC = 'HdrS';

function describeOpenError(systemPath: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `${systemPath} does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `${systemPath} is not readable`;
    case 'ELOOP':
      return `${systemPath}: too many levels of symbolic links`;
    default:
      return `${systemPath}: ${error.message}`;
  }
}

/**
 * Opens a file for reading without blocking on FIFOs and without trusting its
 * type: only regular files, owned and writable only by root, are kernels or initrds.
 */
function openRegularFile(root: SystemRoot, systemPath: string): { fd: number; identity: FileIdentity } | { problem: string } {
  let fd: number;
  try {
    fd = fs.openSync(root.path(systemPath), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    return { problem: describeOpenError(systemPath, error as NodeJS.ErrnoException) };
  }
  const stat = fs.fstatSync(fd);
  const problem = stat.isFile() ? untrustedBecause(stat, systemPath) : `${systemPath} is not a regular file`;
  if (problem) {
    fs.closeSync(fd);
    return { problem };
  }
  return { fd, identity: { path: systemPath, device: stat.dev, inode: stat.ino, size: stat.size, modifiedMs: stat.mtimeMs } };
}

export function inspectInitrd(root: SystemRoot, systemPath: string): FileFacts {
  const opened = openRegularFile(root, systemPath);
  if ('problem' in opened) return { path: systemPath, problem: opened.problem };
  fs.closeSync(opened.fd);
  return opened.identity.size === 0 ? { path: systemPath, problem: `${systemPath} is empty` } : { path: systemPath, identity: opened.identity };
}

export function inspectKernel(root: SystemRoot, systemPath: string): FileFacts {
  const opened = openRegularFile(root, systemPath);
  if ('problem' in opened) return { path: systemPath, problem: opened.problem };
  const magic = Buffer.alloc(BZIMAGE_MAGIC.length);
  const bytesRead = fs.readSync(opened.fd, magic, 0, magic.length, BZIMAGE_MAGIC_OFFSET);
  fs.closeSync(opened.fd);
  if (bytesRead !== magic.length || magic.toString('latin1') !== BZIMAGE_MAGIC) {
    return { path: systemPath, problem: `${systemPath} is not a Linux kernel image (no bzImage header)` };
  }
  return { path: systemPath, identity: opened.identity };
}
