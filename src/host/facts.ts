import { existsSync, statSync } from 'node:fs';
import type { SystemRoot } from './system-root.js';
import { KEXEC_LOADED, KEXEC_TOOLS_COLD_FLAG, LOCKDOWN, UPTIME } from './paths.js';
import { isExecutable, type Programs } from './programs.js';
import { MAX_BYTES, readTextFile, type TextRead } from './read-file.js';

/** Kernel lockdown (Secure Boot): under it only signed images load, through kexec_file_load. */
export type Lockdown = 'none' | 'integrity' | 'confidentiality';

export interface SystemFacts {
  /** The running kernel was built with kexec (it then has /sys/kernel/kexec_loaded). */
  readonly kexecSupported: boolean;
  /** A kernel is loaded now and a kexec would start it. */
  readonly kernelLoaded: boolean;
  /** The flag file by which a firmware restart was asked for (kexec-tools' coldreboot makes it), if any. */
  readonly coldRequestedBy: string | undefined;
  /** When that file was last modified, by the wall clock (ms since the epoch). */
  readonly coldRequestMadeMs?: number;
  /** When this boot started, by the wall clock now: now minus /proc/uptime. */
  readonly bootStartedMs?: number;
  /** The kexec program, or undefined when it cannot be run. */
  readonly kexecProgram: string | undefined;
  readonly lockdown: Lockdown;
}

/** The running kernel's command line, which the configuration and the boot target may reuse. */
export function readProcCmdline(root: SystemRoot): TextRead {
  return readTextFile(root, '/proc/cmdline', MAX_BYTES.procCmdline);
}

/** A sysfs or securityfs attribute; one that cannot be read counts as absent. */
function readAttribute(root: SystemRoot, systemPath: string): string | undefined {
  const read = readTextFile(root, systemPath, MAX_BYTES.sysfsAttribute);
  return read.kind === 'text' ? read.text : undefined;
}

/** /sys/kernel/kexec_loaded holds "1" while a kernel is loaded. */
export function isKernelLoaded(root: SystemRoot): boolean {
  return readAttribute(root, KEXEC_LOADED)?.trim() === '1';
}

/** The lockdown file lists the modes and brackets the active one: "none [integrity] confidentiality". */
export function parseLockdown(text: string | undefined): Lockdown {
  const active = text?.match(/\[(\w+)\]/)?.[1];
  return active === 'integrity' || active === 'confidentiality' ? active : 'none';
}

export const readLockdown = (root: SystemRoot): Lockdown => parseLockdown(readAttribute(root, LOCKDOWN));

function modifiedMs(root: SystemRoot, systemPath: string): number | undefined {
  try {
    return statSync(root.path(systemPath)).mtimeMs;
  } catch {
    return undefined;
  }
}

function bootStartedMs(root: SystemRoot): number | undefined {
  const uptime = Number(readAttribute(root, UPTIME)?.split(/\s+/)[0]);
  return Number.isFinite(uptime) && uptime > 0 ? Date.now() - uptime * 1000 : undefined;
}

export function readSystemFacts(root: SystemRoot, programs: Programs): SystemFacts {
  return {
    kexecSupported: existsSync(root.path(KEXEC_LOADED)),
    kernelLoaded: isKernelLoaded(root),
    coldRequestedBy: existsSync(root.path(KEXEC_TOOLS_COLD_FLAG)) ? KEXEC_TOOLS_COLD_FLAG : undefined,
    coldRequestMadeMs: modifiedMs(root, KEXEC_TOOLS_COLD_FLAG),
    bootStartedMs: bootStartedMs(root),
    kexecProgram: isExecutable(programs.kexec) ? programs.kexec : undefined,
    lockdown: readLockdown(root),
  };
}
