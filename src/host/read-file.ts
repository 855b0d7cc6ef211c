/**
 * Every file the tool decides from is read here: the configuration, the boot
 * loader's files, /etc/fstab, /proc/cmdline and sysfs. None of them may hang a
 * reboot or fill memory, whatever sits at its path: only a regular file is
 * opened (opening a device can have effects: a watchdog starts counting),
 * O_NONBLOCK and fstat guard against it being swapped for a FIFO in between,
 * and each kind of file has a size beyond which it is refused unread.
 * Files under /proc and /sys are regular files too; they only stat with a
 * size that is not theirs (0, or 4096), so the size never decides how much is read.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import * as nodeBuffer from 'node:buffer';
import type { SystemRoot } from './system-root.js';
import { untrustedBecause } from './trust.js';

/**
 * buffer.isUtf8 is Node 18.14's; Debian 12.0 shipped 18.13. The package
 * depends on 18.19 (execa's minimum), but should an older Node run this
 * anyway, every read must not fail for it: a fatal TextDecoder tells the same.
 */
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const isUtf8 =
  nodeBuffer.isUtf8 ??
  ((bytes: Buffer): boolean => {
    try {
      fatalUtf8.decode(bytes);
      return true;
    } catch {
      return false;
    }
  });

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The most each kind of file may hold (whole KiB); a larger one is refused
 * unread. Each is far above what a real system has in it.
 */
export const MAX_BYTES = {
  /** /etc/default/kexec and its snippets: a few hundred bytes. */
  config: 1 * MiB,
  /** grub.cfg and what it sources: tens of KiB, more with many kernels and other systems' entries. */
  grubScript: 4 * MiB,
  /** grubenv: one block of 1 KiB as grub-editenv writes it. */
  grubenv: 64 * KiB,
  /** A Boot Loader Spec entry or loader.conf: a few lines. */
  bootLoaderSpec: 64 * KiB,
  /** An EFI variable naming an entry: a few dozen bytes. */
  efiVariable: 64 * KiB,
  /** /etc/fstab: a line a filesystem. */
  fstab: 1 * MiB,
  /** The kernel caps its command line at COMMAND_LINE_SIZE, a few KiB. */
  procCmdline: 64 * KiB,
  /** A sysfs attribute: at most a page, which is 64 KiB on the largest pages Debian's kernels use. */
  sysfsAttribute: 64 * KiB,
  /** kexec-reboot's own load record: one line of JSON. */
  loadRecord: 64 * KiB,
  /** A boot's mark: one short line. */
  bootMark: 1 * KiB,
  /** A kernel's build configuration (/boot/config-RELEASE): about 300 KiB. */
  kernelConfig: 4 * MiB,
  /** The reboot history: 50 reboots of a few hundred bytes, a command line of up to a few KiB each. */
  history: 4 * MiB,
} as const;

/** Why nothing was read: `message` does not name the file (see whyUnread). */
export type Unread =
  | { readonly kind: 'missing' }
  | { readonly kind: 'error'; readonly message: string; readonly line?: number }
  /** `reason` names the file and says how to fix it (trust.ts). */
  | { readonly kind: 'untrusted'; readonly reason: string };

export type BytesRead = { readonly kind: 'bytes'; readonly bytes: Buffer; readonly stats: Stats } | Unread;
export type TextRead = { readonly kind: 'text'; readonly text: string; readonly stats: Stats } | Unread;
/** What can stop a file being opened, before anyone asks whether it is trusted. */
export type PathUnread = Exclude<Unread, { kind: 'untrusted' }>;
export type PathStat = { readonly kind: 'stats'; readonly stats: Stats } | PathUnread;

/** One line that names the file and says why it was not read. */
export function whyUnread(systemPath: string, unread: Unread): string {
  if (unread.kind === 'missing') return `${systemPath} does not exist`;
  if (unread.kind === 'untrusted') return unread.reason;
  return `${systemPath}${unread.line === undefined ? '' : `:${unread.line}`}: ${unread.message}`;
}

/** stat(2), following links, with its failures described as a read's would be. */
export function statPath(root: SystemRoot, systemPath: string): PathStat {
  const hostPath = root.path(systemPath);
  try {
    return { kind: 'stats', stats: statSync(hostPath) };
  } catch (e) {
    return describeOpenFailure(hostPath, e);
  }
}

/** A kernel or initrd is where an entry says: only its type is looked at here (system/inspect.ts reads it). */
export function isRegularFile(root: SystemRoot, systemPath: string): boolean {
  const found = statPath(root, systemPath);
  return found.kind === 'stats' && found.stats.isFile();
}

/** A regular file, open for reading; nothing else is opened. The caller closes `fd`. */
export function openRegularFile(root: SystemRoot, systemPath: string): { readonly kind: 'open'; readonly fd: number; readonly stats: Stats } | PathUnread {
  const found = statPath(root, systemPath);
  if (found.kind !== 'stats') return found;
  if (!found.stats.isFile()) return notRegularFile(found.stats);
  const hostPath = root.path(systemPath);
  let fd: number;
  try {
    fd = openSync(hostPath, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return describeOpenFailure(hostPath, e);
  }
  const stats = fstatSync(fd);
  if (stats.isFile()) return { kind: 'open', fd, stats };
  closeSync(fd);
  return notRegularFile(stats);
}

/** The whole file, if it is a regular file of at most `maxBytes`. */
export function readFileBytes(root: SystemRoot, systemPath: string, maxBytes: number): BytesRead {
  const opened = openRegularFile(root, systemPath);
  if (opened.kind !== 'open') return opened;
  const { fd, stats } = opened;
  try {
    if (stats.size > maxBytes) return tooLarge(maxBytes);
    const bytes = readAtMost(fd, maxBytes + 1, stats.size);
    return bytes.length > maxBytes ? tooLarge(maxBytes) : { kind: 'bytes', bytes, stats };
  } catch (e) {
    return { kind: 'error', message: `cannot read: ${describeFsError(e)}` };
  } finally {
    closeSync(fd);
  }
}

/** The file as UTF-8 text, refusing what is clearly not a text file. */
export function readTextFile(root: SystemRoot, systemPath: string, maxBytes: number): TextRead {
  const read = readFileBytes(root, systemPath, maxBytes);
  if (read.kind !== 'bytes') return read;
  const { bytes, stats } = read;
  const nul = bytes.indexOf(0);
  if (nul !== -1) return { kind: 'error', line: lineAt(bytes, nul), message: 'contains a NUL byte: not a text file' };
  if (!isUtf8(bytes)) return { kind: 'error', message: 'not valid UTF-8: not a text file' };
  return { kind: 'text', text: bytes.toString('utf8'), stats };
}

/** As readTextFile, for a file that chooses what boots: whoever can write it must be trusted (trust.ts). */
export function readTrustedTextFile(root: SystemRoot, systemPath: string, maxBytes: number): TextRead {
  const read = readTextFile(root, systemPath, maxBytes);
  const untrusted = read.kind === 'text' ? untrustedBecause(read.stats, systemPath) : undefined;
  return untrusted ? { kind: 'untrusted', reason: untrusted } : read;
}

export function notRegularFile(stats: Stats): PathUnread {
  return { kind: 'error', message: `not a regular file (${describeFileType(stats)})` };
}

function tooLarge(maxBytes: number): PathUnread {
  const inUnits = maxBytes % MiB === 0 ? `${maxBytes / MiB} MiB` : `${maxBytes / KiB} KiB`;
  return { kind: 'error', message: `larger than ${maxBytes} bytes (${inUnits}); not read` };
}

/**
 * Reads to the end, or to `limit` bytes. The size fstat gave only sizes the
 * first buffer: files under /proc say 0 and still have contents.
 */
function readAtMost(fd: number, limit: number, sizeHint: number): Buffer {
  let buffer = Buffer.allocUnsafe(Math.min(limit, Math.max(sizeHint + 1, 4096)));
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      if (buffer.length === limit) break;
      const bigger = Buffer.allocUnsafe(Math.min(limit, buffer.length * 2));
      buffer.copy(bigger, 0, 0, filled);
      buffer = bigger;
    }
    const n = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (n === 0) break;
    filled += n;
  }
  return buffer.subarray(0, filled);
}

/** ENOENT is "no file" unless a symlink is there, pointing nowhere. */
function describeOpenFailure(hostPath: string, e: unknown): PathUnread {
  if (errorCode(e) === 'ENOENT') {
    const target = symlinkTarget(hostPath);
    return target === undefined ? { kind: 'missing' } : { kind: 'error', message: `dangling symlink (to ${target})` };
  }
  if (errorCode(e) === 'ELOOP') return { kind: 'error', message: 'cannot open: symlink loop' };
  return { kind: 'error', message: `cannot open: ${describeFsError(e)}` };
}

function symlinkTarget(hostPath: string): string | undefined {
  try {
    return lstatSync(hostPath).isSymbolicLink() ? readlinkSync(hostPath) : undefined;
  } catch {
    return undefined;
  }
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line += 1;
  return line;
}

function describeFileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'unknown type';
}

export function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

export function describeFsError(e: unknown): string {
  const code = errorCode(e);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  return code ?? String(e);
}
