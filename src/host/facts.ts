import { existsSync, statSync } from 'node:fs';
import type { SystemRoot } from './system-root.js';
import { KERNEL_MACHINE, KERNEL_RELEASE, KEXEC_LOADED, KEXEC_TOOLS_COLD_FLAG, LOCKDOWN, PROC_CMDLINE, UPTIME } from './paths.js';
import type { KernelTarget } from './kernel-image.js';
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
  /** What a kernel image must be to be kexec'd here (kernel-image.ts). */
  readonly kernelTarget: KernelTarget;
  /**
   * The running kernel has the kexec_file_load call (CONFIG_KEXEC_FILE), per
   * its /boot/config: Debian's arm64 kernels do not; undefined when unknown.
   * Locked down, it is the only call the kernel takes.
   */
  readonly kexecFileLoad?: boolean;
}

/** The running kernel's command line, which the configuration and the boot target may reuse. */
export function readProcCmdline(root: SystemRoot): TextRead {
  return readTextFile(root, PROC_CMDLINE, MAX_BYTES.procCmdline);
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

/** Node's name for the architecture it was built for, as `uname -m` says it. */
const MACHINE_OF_NODE_ARCH: Readonly<Record<string, string>> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', arm: 'armv7l', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** The running kernel's machine: /proc/sys/kernel/arch (Linux 6.0 on), else what Node was built for. */
function readMachine(root: SystemRoot): string {
  return readAttribute(root, KERNEL_MACHINE)?.trim() || (MACHINE_OF_NODE_ARCH[process.arch] ?? process.arch);
}

/** What the running kernel's build configuration (Debian's /boot/config-RELEASE) says about kexec and, on arm64, pages. */
export function parseKernelConfig(text: string): { readonly kexecFileLoad?: boolean; readonly pageSizeKiB?: number } {
  const kexecFile = /^CONFIG_KEXEC_FILE=y$/m.test(text) ? true : /^# CONFIG_KEXEC_FILE is not set$/m.test(text) ? false : undefined;
  const pageShift = Number(text.match(/^CONFIG_ARM64_PAGE_SHIFT=(\d+)$/m)?.[1]);
  return {
    ...(kexecFile === undefined ? {} : { kexecFileLoad: kexecFile }),
    ...(Number.isInteger(pageShift) && pageShift > 10 ? { pageSizeKiB: 2 ** (pageShift - 10) } : {}),
  };
}

/** On arm64 (page size, no kexec_file_load in Debian's kernels): the running kernel's /boot/config. Elsewhere nothing is needed from it. */
function readKernelConfig(root: SystemRoot, machine: string): ReturnType<typeof parseKernelConfig> {
  if (machine !== 'aarch64') return {};
  const release = readAttribute(root, KERNEL_RELEASE)?.trim();
  if (!release) return {};
  const config = readTextFile(root, `/boot/config-${release}`, MAX_BYTES.kernelConfig);
  return config.kind === 'text' ? parseKernelConfig(config.text) : {};
}

export function readSystemFacts(root: SystemRoot, programs: Programs): SystemFacts {
  const machine = readMachine(root);
  const { kexecFileLoad, pageSizeKiB } = readKernelConfig(root, machine);
  return {
    kexecSupported: existsSync(root.path(KEXEC_LOADED)),
    kernelLoaded: isKernelLoaded(root),
    coldRequestedBy: existsSync(root.path(KEXEC_TOOLS_COLD_FLAG)) ? KEXEC_TOOLS_COLD_FLAG : undefined,
    coldRequestMadeMs: modifiedMs(root, KEXEC_TOOLS_COLD_FLAG),
    bootStartedMs: bootStartedMs(root),
    kexecProgram: isExecutable(programs.kexec) ? programs.kexec : undefined,
    lockdown: readLockdown(root),
    kernelTarget: { machine, ...(pageSizeKiB === undefined ? {} : { pageSizeKiB }) },
    ...(kexecFileLoad === undefined ? {} : { kexecFileLoad }),
  };
}
