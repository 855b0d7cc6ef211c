import fs from 'node:fs';
import type { KexecConfig, Sourced } from '../config/config.js';
import type { SystemRoot } from '../system-root.js';
import { resolveLinks } from '../system/links.js';
import { inheritableCmdline } from './cmdline.js';

/** What kexec would boot: paths are system paths with symlinks followed. */
export interface BootTarget {
  readonly kernel: Sourced<string>;
  readonly initrds: Sourced<readonly string[]>;
  readonly cmdline: Sourced<string>;
  /** Anything that stopped a value from being resolved; the planner turns these into a cold reboot. */
  readonly problems: readonly TargetProblem[];
}

export interface TargetProblem {
  readonly subject: 'kernel' | 'initrd' | 'cmdline';
  readonly message: string;
}

function describeSetting(key: string, setting: Sourced<string>): string {
  const where = setting.origin === 'default' ? 'default' : setting.origin;
  return `${key}=${setting.value} (${where})`;
}

function followLinks(root: SystemRoot, subject: TargetProblem['subject'], systemPath: string, problems: TargetProblem[]): string {
  const resolution = resolveLinks(root, systemPath);
  if (!resolution.ok) problems.push({ subject, message: resolution.problem });
  return resolution.path;
}

function readProcCmdline(root: SystemRoot): string | undefined {
  try {
    return fs.readFileSync(root.path('/proc/cmdline'), 'utf8');
  } catch {
    return undefined;
  }
}

function resolveCmdline(root: SystemRoot, config: KexecConfig, problems: TargetProblem[]): Sourced<string> {
  if (config.append.value !== '') {
    // BOOT_IMAGE= and initrd= describe the image the bootloader started; they
    // creep in through APPEND="$(cat /proc/cmdline) ..." and are wrong after kexec.
    return { value: inheritableCmdline(config.append.value), origin: `APPEND (${config.append.origin}), without BOOT_IMAGE= and initrd=` };
  }
  const running = readProcCmdline(root);
  if (running === undefined) {
    problems.push({ subject: 'cmdline', message: 'cannot read /proc/cmdline to reuse the running command line (APPEND is empty)' });
    return { value: '', origin: 'running kernel (unreadable)' };
  }
  return { value: inheritableCmdline(running), origin: "running kernel's /proc/cmdline, without BOOT_IMAGE= and initrd=" };
}

/** The kernel, initrd and command line named by KERNEL_IMAGE, INITRD and APPEND. */
export function resolveConfiguredTarget(root: SystemRoot, config: KexecConfig): BootTarget {
  const problems: TargetProblem[] = [];
  const kernel = followLinks(root, 'kernel', config.kernelImage.value, problems);
  const initrds = config.initrd.value === '' ? [] : [followLinks(root, 'initrd', config.initrd.value, problems)];
  return {
    kernel: { value: kernel, origin: describeSetting('KERNEL_IMAGE', config.kernelImage) },
    initrds: {
      value: initrds,
      origin: config.initrd.value === '' ? `INITRD is empty (${config.initrd.origin}): no initrd` : describeSetting('INITRD', config.initrd),
    },
    cmdline: resolveCmdline(root, config, problems),
    problems,
  };
}
