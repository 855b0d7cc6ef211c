import type { KexecConfig, Sourced } from '../config/config.js';
import type { SystemRoot } from '../host/system-root.js';
import { readProcCmdline } from '../host/facts.js';
import { resolveLinks } from '../host/links.js';
import { whyUnread } from '../host/read-file.js';
import { isUnusable, type Unusable } from '../unusable.js';
import { inheritableCmdline } from './cmdline.js';
import type { BootEntry, EntryLookup } from './bootloader/index.js';

/** What kexec would boot: paths are system paths with symlinks followed. */
export interface BootTarget {
  readonly kernel: Sourced<string>;
  readonly initrds: Sourced<readonly string[]>;
  readonly cmdline: Sourced<string>;
  /** Anything that stopped a value from being resolved; the planner turns these into a cold reboot. */
  readonly problems: readonly TargetProblem[];
  /** Why the bootloader's entry is not used although USE_GRUB_CONFIG asks for it. */
  readonly bootloaderFallback?: string;
  /** A one-shot chose this entry: the boot loader will not run to clear it, so we do once the kernel is loaded. */
  readonly oneShot?: OneShot;
}

/** Where the boot loader keeps a choice for the next boot only. */
export type OneShot =
  | { readonly bootloader: 'grub'; readonly grubenv: string } // grub-reboot's next_entry
  | { readonly bootloader: 'systemd-boot' }; // the EFI variable LoaderEntryOneShot

/** A value of the target that could not be resolved, and why. */
export interface TargetProblem extends Unusable {
  readonly subject: 'kernel' | 'initrd' | 'cmdline';
}

function describeSetting(key: string, setting: Sourced<string>): string {
  const where = setting.origin === 'default' ? 'default' : setting.origin;
  return `${key}=${setting.value} (${where})`;
}

function followLinks(root: SystemRoot, subject: TargetProblem['subject'], systemPath: string, problems: TargetProblem[]): string {
  const resolution = resolveLinks(root, systemPath);
  if (isUnusable(resolution)) problems.push({ subject, unusable: resolution.unusable });
  return resolution.path;
}

function resolveCmdline(root: SystemRoot, config: KexecConfig, problems: TargetProblem[]): Sourced<string> {
  if (config.append.value !== '') {
    // BOOT_IMAGE= and initrd= describe the image the bootloader started; they
    // creep in through APPEND="$(cat /proc/cmdline) ..." and are wrong after kexec.
    return { value: inheritableCmdline(config.append.value), origin: `APPEND (${config.append.origin}), without BOOT_IMAGE= and initrd=` };
  }
  const running = readProcCmdline(root);
  if (running.kind !== 'text') {
    problems.push({ subject: 'cmdline', unusable: `cannot reuse the running command line (APPEND is empty): ${whyUnread('/proc/cmdline', running)}` });
    return { value: '', origin: 'running kernel (unreadable)' };
  }
  return { value: inheritableCmdline(running.text), origin: "running kernel's /proc/cmdline, without BOOT_IMAGE= and initrd=" };
}

/** The kernel, initrd and command line named by KERNEL_IMAGE, INITRD and APPEND. */
function resolveConfiguredTarget(root: SystemRoot, config: KexecConfig): BootTarget {
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

/**
 * The entry the bootloader would boot next: GRUB's when it is configured,
 * else a Boot Loader Spec entry when there are some.
 */
async function bootloaderEntry(root: SystemRoot): Promise<EntryLookup> {
  // Loaded only when asked for: most systems never read grub.cfg, and every command starts faster without it.
  const { findBlsEntry, findGrubEntry } = await import('./bootloader/index.js');
  return findGrubEntry(root) ?? findBlsEntry(root) ?? { unusable: 'neither a GRUB configuration nor Boot Loader Spec entries were found' };
}

function oneShotOf(entry: BootEntry): { oneShot?: OneShot } {
  if (entry.viaNextEntry && entry.grubenv) return { oneShot: { bootloader: 'grub', grubenv: entry.grubenv } };
  if (entry.viaOneShot) return { oneShot: { bootloader: 'systemd-boot' } };
  return {};
}

function targetFromEntry(root: SystemRoot, entry: BootEntry): BootTarget {
  const problems: TargetProblem[] = [];
  return {
    kernel: { value: followLinks(root, 'kernel', entry.kernel, problems), origin: entry.origin },
    initrds: { value: entry.initrds.map((initrd) => followLinks(root, 'initrd', initrd, problems)), origin: entry.origin },
    cmdline: { value: inheritableCmdline(entry.cmdline), origin: entry.origin },
    problems,
    ...oneShotOf(entry),
  };
}

/**
 * What a kexec would boot: with USE_GRUB_CONFIG=true the bootloader's next
 * entry (kernel, initrds and command line all from it), falling back to
 * KERNEL_IMAGE/INITRD/APPEND, with the reason, when that entry cannot be used.
 */
export async function resolveTarget(root: SystemRoot, config: KexecConfig): Promise<BootTarget> {
  if (!config.useGrubConfig.value) return resolveConfiguredTarget(root, config);
  const lookup = await bootloaderEntry(root);
  if (isUnusable(lookup)) {
    return { ...resolveConfiguredTarget(root, config), bootloaderFallback: `USE_GRUB_CONFIG is true, but ${lookup.unusable}; using KERNEL_IMAGE and INITRD instead` };
  }
  return targetFromEntry(root, lookup.found);
}
