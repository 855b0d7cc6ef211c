import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import type { SystemRoot } from '../host/system-root.js';
import { COMBINED_INITRD } from '../host/paths.js';
import { createStateFile } from '../host/state-dir.js';

const CHUNK = 1 << 20;

/**
 * kexec takes one initrd, but machines boot with several (CPU microcode, then
 * the initramfs). The kernel unpacks concatenated cpio archives in order, so
 * one file made of all of them, in order, is equivalent.
 */
export function combineInitrds(root: SystemRoot, initrds: readonly string[]): void {
  const out = createStateFile(root, COMBINED_INITRD);
  const buffer = Buffer.alloc(CHUNK);
  try {
    for (const initrd of initrds) {
      const input = openSync(root.path(initrd), 'r');
      try {
        let bytes: number;
        while ((bytes = readSync(input, buffer, 0, CHUNK, null)) > 0) writeSync(out, buffer, 0, bytes);
      } finally {
        closeSync(input);
      }
    }
  } finally {
    closeSync(out);
  }
}

export function removeCombinedInitrd(root: SystemRoot): void {
  rmSync(root.path(COMBINED_INITRD), { force: true });
}
