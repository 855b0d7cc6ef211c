import { readdirSync, rmSync } from 'node:fs';
import type { SystemRoot } from './system-root.js';
import { BOOT_MARKS_DIR } from './paths.js';
import { MAX_BYTES, readTrustedTextFile } from './read-file.js';
import type { Arrival } from './reboot-history.js';

/** A boot id as the kernel gives it (a UUID); anything else in the directory is not a mark. */
const BOOT_ID = /^[\w-]+$/;

/**
 * "<kexec|firmware|unknown> <kernel start, seconds since the epoch> <release>
 * [<boot id our kexec's marker names>]", as init/lib/mark-boot writes it
 * (0.5.0's marks have no fourth field).
 */
export function parseBootMark(bootId: string, text: string): Arrival | undefined {
  const [by, started, kernelRelease, kexecFrom, ...rest] = text.trim().split(' ');
  if ((by !== 'kexec' && by !== 'firmware' && by !== 'unknown') || !/^\d+$/.test(started ?? '') || !kernelRelease || rest.length > 0) return undefined;
  if (kexecFrom !== undefined && !BOOT_ID.test(kexecFrom)) return undefined;
  return { bootId, by, ...(kexecFrom ? { kexecFrom } : {}), kernelRelease, kernelStartedAt: new Date(Number(started) * 1000).toISOString() };
}

/**
 * The boots that marked themselves as come up (init/lib/mark-boot) and are
 * not yet in the history. A mark others could have written is not believed:
 * it could keep a failed kexec from being paused.
 */
export function readBootMarks(root: SystemRoot): Arrival[] {
  let names: string[];
  try {
    names = readdirSync(root.path(BOOT_MARKS_DIR));
  } catch {
    return [];
  }
  return names
    .filter((name) => BOOT_ID.test(name))
    .map((name) => {
      const read = readTrustedTextFile(root, `${BOOT_MARKS_DIR}/${name}`, MAX_BYTES.bootMark);
      return read.kind === 'text' ? parseBootMark(name, read.text) : undefined;
    })
    .filter((mark) => mark !== undefined);
}

/** Removes the marks of boots the history now holds: it says all they said. */
export function removeBootMarks(root: SystemRoot, bootIds: Iterable<string>): void {
  for (const bootId of bootIds) if (BOOT_ID.test(bootId)) rmSync(root.path(`${BOOT_MARKS_DIR}/${bootId}`), { force: true });
}
