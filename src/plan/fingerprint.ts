/**
 * What a loaded kernel was made from, so that a kernel loaded ahead of time
 * (PRELOAD=true, or `kexec-reboot load`) is booted only while it is still
 * exactly what the plan would load now.
 */
export interface FileIdentity {
  readonly path: string;
  readonly device: number;
  readonly inode: number;
  readonly size: number;
  readonly modifiedMs: number;
}

export interface Fingerprint {
  readonly kernel: FileIdentity;
  readonly initrds: readonly FileIdentity[];
  readonly cmdline: string;
  readonly fileSyscall: boolean;
}

/** Kept under /run while a kernel we loaded stays loaded. */
export interface LoadRecord {
  /** Absent while the load is under way, and so after one that was cut short. */
  readonly fingerprint?: Fingerprint;
  readonly loadedAt: string;
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
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
  if (loaded.fileSyscall !== planned.fileSyscall) return 'kernel lockdown changed';
  return undefined;
}
