import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import type { SystemRoot } from '../host/system-root.js';
import { createStateFile } from '../host/state-dir.js';

const CHUNK = 1 << 20;

/** A whole file, or (a section of a unified kernel image) `size` bytes of it from `offset`. */
export interface FilePart {
  readonly path: string;
  readonly offset?: number;
  readonly size?: number;
}

/**
 * Writes the parts, in order, into one file of the state directory (root's
 * alone, on /run): kexec takes one kernel file and one initrd, but machines
 * boot with several initrds (CPU microcode, then the initramfs), which the
 * kernel unpacks in order from one concatenation, and a unified kernel image
 * holds its kernel and initrds as sections.
 */
export function writeParts(root: SystemRoot, to: string, parts: readonly FilePart[]): void {
  const out = createStateFile(root, to);
  const buffer = Buffer.alloc(CHUNK);
  try {
    for (const part of parts) {
      const input = openSync(root.path(part.path), 'r');
      try {
        let position = part.offset ?? 0;
        let left = part.size ?? Infinity;
        let bytes: number;
        while (left > 0 && (bytes = readSync(input, buffer, 0, Math.min(CHUNK, left), position)) > 0) {
          writeSync(out, buffer, 0, bytes);
          position += bytes;
          left -= bytes;
        }
        if (part.size !== undefined && left > 0) throw new Error(`${part.path} ended ${left} bytes before its section did`);
      } finally {
        closeSync(input);
      }
    }
  } finally {
    closeSync(out);
  }
}

export function removeStateFile(root: SystemRoot, systemPath: string): void {
  rmSync(root.path(systemPath), { force: true });
}
