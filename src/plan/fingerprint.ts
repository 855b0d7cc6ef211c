import type { FileIdentity } from '../host/inspect.js';
import type { Fingerprint } from '../host/load-record.js';

/** The same file, unchanged: a replaced or rewritten one is another. */
function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.path === b.path && a.device === b.device && a.inode === b.inode && a.size === b.size && a.modifiedMs === b.modifiedMs;
}

/**
 * The same file in a later boot: device numbers are not kept across boots
 * (btrfs subvolumes get anonymous ones in mount order; md0 may come back as
 * md127, dm-N renumbers), so they cannot tell one kernel file from another.
 */
export function sameFileAcrossBoots(a: FileIdentity, b: FileIdentity): boolean {
  return a.path === b.path && a.inode === b.inode && a.size === b.size && a.modifiedMs === b.modifiedMs;
}

/** How the planned kernel differs from the loaded one, in words; undefined when it does not. */
export function fingerprintDifference(loaded: Fingerprint, planned: Fingerprint): string | undefined {
  if (!sameFile(loaded.kernel, planned.kernel)) {
    return loaded.kernel.path === planned.kernel.path ? `${planned.kernel.path} changed` : `the kernel is now ${planned.kernel.path}, not ${loaded.kernel.path}`;
  }
  if (loaded.initrds.length !== planned.initrds.length || loaded.initrds.some((initrd, i) => !sameFile(initrd, planned.initrds[i]!))) {
    return 'the initrd changed';
  }
  if (loaded.cmdline !== planned.cmdline) return 'the command line changed';
  if (loaded.lockedDown !== planned.lockedDown) return 'kernel lockdown changed';
  return undefined;
}
