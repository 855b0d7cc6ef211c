import type { FileIdentity } from '../host/inspect.js';
import type { Fingerprint } from '../host/load-record.js';

/** The same file, unchanged: a replaced or rewritten one is another. */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.path === b.path && a.device === b.device && a.inode === b.inode && a.size === b.size && a.modifiedMs === b.modifiedMs;
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
