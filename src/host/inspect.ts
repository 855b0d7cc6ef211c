import { closeSync, readSync } from 'node:fs';
import { isUnusable, type Unusable } from '../unusable.js';
import type { SystemRoot } from './system-root.js';
import { MAX_BYTES, openRegularFile, whyUnread } from './read-file.js';
import { untrustedBecause } from './trust.js';
import { findCertificateTable, HEADER_BYTES, signerInCertificateTable } from './pe-signature.js';
import { findUnifiedParts, sectionText, type FileRange, type UnifiedParts } from './unified-kernel-image.js';

/** Which file a load was made from: a changed or replaced file is a different one. */
export interface FileIdentity {
  readonly path: string;
  readonly device: number;
  readonly inode: number;
  readonly size: number;
  readonly modifiedMs: number;
}

/** What the planner needs to know about a kernel or initrd file: what a load made from it is compared by, or why it cannot be used. */
export type FileFacts = FileIdentity | Unusable;

/** The Linux x86 boot protocol puts "HdrS" at offset 0x202 of a bzImage. */
const BZIMAGE_MAGIC_OFFSET = 0x202;
const BZIMAGE_MAGIC = 'HdrS';

/**
 * Opens a file for reading without blocking on FIFOs and without trusting its
 * type: only regular files, owned and writable only by root, are kernels or initrds.
 */
function openTrustedFile(root: SystemRoot, systemPath: string): { readonly fd: number; readonly identity: FileIdentity } | Unusable {
  const opened = openRegularFile(root, systemPath);
  if (opened.kind !== 'open') return { unusable: whyUnread(systemPath, opened) };
  const { fd, stats } = opened;
  const untrusted = untrustedBecause(stats, systemPath);
  if (untrusted) {
    closeSync(fd);
    return { unusable: untrusted };
  }
  return { fd, identity: { path: systemPath, device: stats.dev, inode: stats.ino, size: stats.size, modifiedMs: stats.mtimeMs } };
}

/**
 * How an initramfs can start, as the kernel's unpacker accepts it: a cpio
 * archive (Debian puts uncompressed microcode first) or one of the
 * compressions initramfs-tools and dracut use. Anything else makes the new
 * kernel panic with "Initramfs unpacking failed", far from any firmware
 * fallback, so it is refused here while a normal reboot is still possible.
 */
const INITRD_MAGICS: readonly (readonly number[])[] = [
  [0x30, 0x37, 0x30, 0x37, 0x30], // "07070": cpio newc and crc
  [0x1f, 0x8b], // gzip
  [0x28, 0xb5, 0x2f, 0xfd], // zstd
  [0xfd, 0x37, 0x7a, 0x58, 0x5a], // xz
  [0x02, 0x21, 0x4c, 0x18], // lz4 legacy
  [0x42, 0x5a, 0x68], // bzip2 "BZh"
  [0x5d, 0x00, 0x00], // lzma
  [0x89, 0x4c, 0x5a, 0x4f], // lzop
];

function readAt(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  return buffer.subarray(0, readSync(fd, buffer, 0, length, position));
}

function inspectFile(root: SystemRoot, systemPath: string, whyContentUnusable: (fd: number) => string | undefined): FileFacts {
  const opened = openTrustedFile(root, systemPath);
  if (isUnusable(opened)) return opened;
  try {
    const unusable = whyContentUnusable(opened.fd);
    return unusable ? { unusable } : opened.identity;
  } finally {
    closeSync(opened.fd);
  }
}

/** Why the bytes at `at` do not start an initramfs, or undefined. */
function whyNotInitramfs(fd: number, at: number, what: string): string | undefined {
  const start = readAt(fd, 6, at);
  if (start.length === 0) return `${what} is empty`;
  const known = INITRD_MAGICS.some((magic) => magic.every((byte, i) => start[i] === byte));
  return known ? undefined : `${what} is not an initramfs (neither a cpio archive nor a compressed one)`;
}

export function inspectInitrd(root: SystemRoot, systemPath: string): FileFacts {
  return inspectFile(root, systemPath, (fd) => whyNotInitramfs(fd, 0, systemPath));
}

/**
 * A kernel image, or with `unified` the unified image holding one: its .linux
 * must be a kernel and its initrd sections initramfs images, as for files.
 */
export function inspectKernel(root: SystemRoot, systemPath: string, unified?: UnifiedParts): FileFacts {
  const what = unified ? `the .linux section of ${systemPath}` : systemPath;
  return inspectFile(root, systemPath, (fd) => {
    if (readAt(fd, BZIMAGE_MAGIC.length, (unified?.linux.offset ?? 0) + BZIMAGE_MAGIC_OFFSET).toString('latin1') !== BZIMAGE_MAGIC) {
      return `${what} is not a Linux kernel image (no bzImage header)`;
    }
    for (const initrd of unified?.initrds ?? []) {
      const unusable = whyNotInitramfs(fd, initrd.offset, `an initrd section of ${systemPath}`);
      if (unusable) return unusable;
    }
    return undefined;
  });
}

/** A unified kernel image as kexec-reboot uses it: where its parts are, and its text sections. */
export interface UnifiedImageText {
  readonly parts: UnifiedParts;
  readonly cmdline?: string;
  readonly osRelease?: string;
}

/** A unified kernel image's parts and text sections; undefined for any other file, which is read as a kernel. */
export function readUnifiedImage(root: SystemRoot, systemPath: string): UnifiedImageText | Unusable | undefined {
  const opened = openTrustedFile(root, systemPath);
  if (isUnusable(opened)) return opened;
  try {
    const found = findUnifiedParts(readAt(opened.fd, HEADER_BYTES, 0), opened.identity.size);
    if (found === undefined || isUnusable(found)) return found && { unusable: `${systemPath}: ${found.unusable}` };
    const text: { cmdline?: string; osRelease?: string } = {};
    for (const key of ['cmdline', 'osRelease'] as const) {
      const range = found[key];
      if (!range) continue;
      if (range.size > MAX_BYTES.bootLoaderSpec) return { unusable: `${systemPath}: a text section of ${range.size} bytes, more than any command line or os-release` };
      text[key] = sectionText(readAt(opened.fd, range.size, range.offset));
    }
    return { parts: found.parts, ...text };
  } finally {
    closeSync(opened.fd);
  }
}

/** A kernel image's Authenticode signature, the one the kernel checks: who signed it, that nobody did, or why that cannot be told or will be refused. */
export type KernelSignature = { readonly signer: string } | { readonly unsigned: string } | Unusable;

/**
 * Reads the signers of a kernel image (see pe-signature.ts). Only a locked-down
 * kernel needs this: it loads nothing else through kexec_file_load. The kernel
 * itself decides whether it trusts the signer; this only knows who it is.
 */
export function readKernelSignature(root: SystemRoot, systemPath: string, within?: FileRange): KernelSignature {
  const opened = openTrustedFile(root, systemPath);
  if (isUnusable(opened)) return opened;
  const what = within ? `the kernel in the .linux section of ${systemPath}` : systemPath;
  const base = within?.offset ?? 0;
  try {
    const table = findCertificateTable(readAt(opened.fd, HEADER_BYTES, base));
    if ('unsigned' in table) return table;
    if ('unreadable' in table) return { unusable: `cannot read the signature of ${what}: ${table.unreadable}` };
    const bytes = readAt(opened.fd, table.size, base + table.offset);
    if (bytes.length !== table.size || (within && table.offset + table.size > within.size)) {
      return { unusable: `cannot read the signature of ${what}: its certificate table runs past the end of the ${within ? 'section' : 'file'}` };
    }
    return { signer: signerInCertificateTable(bytes) };
  } catch (error) {
    return { unusable: `cannot read the signature of ${what}: ${(error as Error).message}` };
  } finally {
    closeSync(opened.fd);
  }
}
