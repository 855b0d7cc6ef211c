import { lstatSync } from 'node:fs';
import { DEFAULT_CONFIG, type KexecConfig, type Sourced } from '../config/config.js';
import type { SystemRoot } from '../host/system-root.js';
import { readProcCmdline } from '../host/facts.js';
import { resolveLinks } from '../host/links.js';
import { KERNEL_RELEASE } from '../host/paths.js';
import { readUnifiedImage } from '../host/inspect.js';
import type { UnifiedParts } from '../host/unified-kernel-image.js';
import { MAX_BYTES, readTextFile, whyUnread } from '../host/read-file.js';
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
  /** The kernel is a unified kernel image: where in it the kernel and its own initrds are (they go before `initrds`). */
  readonly unified?: UnifiedParts;
}

/** Where the boot loader keeps a choice for the next boot only. */
export type OneShot =
  | { readonly bootloader: 'grub'; readonly grubenv: string } // grub-reboot's next_entry
  | { readonly bootloader: 'systemd-boot' }; // the EFI variable LoaderEntryOneShot

/** A value of the target that could not be resolved, and why. */
export interface TargetProblem extends Unusable {
  readonly subject: 'kernel' | 'initrd' | 'cmdline';
}

/**
 * KERNEL_IMAGE or INITRD at its default value, set or not: kexec-tools'
 * postinst writes KERNEL_IMAGE="/vmlinuz" and INITRD="/initrd.img" into every
 * /etc/default/kexec, so the value, not whether it is set, says whether a
 * kernel was chosen.
 */
const atDefault = (config: KexecConfig, key: 'kernelImage' | 'initrd') => config[key].value === DEFAULT_CONFIG[key].value;

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
    return { value: inheritableCmdline(config.append.value), origin: `APPEND (${config.append.origin}), without BOOT_IMAGE=, initrd= and kexec_reboot.from=` };
  }
  const running = readProcCmdline(root);
  if (running.kind !== 'text') {
    problems.push({ subject: 'cmdline', unusable: `cannot reuse the running command line (APPEND is empty): ${whyUnread('/proc/cmdline', running)}` });
    return { value: '', origin: 'running kernel (unreadable)' };
  }
  return { value: inheritableCmdline(running.text), origin: "running kernel's /proc/cmdline, without BOOT_IMAGE=, initrd= and kexec_reboot.from=" };
}

/**
 * A unified kernel image where a kernel was named: its .linux section is the
 * kernel, its .ucode and .initrd sections the first initrds (any named
 * besides follow them, as systemd-stub adds an entry's), its .cmdline the
 * command line unless one was given.
 */
function takeApartUnified(root: SystemRoot, target: BootTarget, given: { readonly cmdline: boolean; readonly initrds: boolean }): BootTarget {
  if (target.problems.some((problem) => problem.subject === 'kernel')) return target;
  const image = readUnifiedImage(root, target.kernel.value);
  if (image === undefined) return target;
  // First: the planner reports the first problem, and this one is why the rest do not matter.
  if (isUnusable(image)) return { ...target, problems: [{ subject: 'kernel', unusable: image.unusable }, ...target.problems] };
  const own = `the .ucode and .initrd sections of ${target.kernel.value}`;
  return {
    ...target,
    kernel: { value: target.kernel.value, origin: `${target.kernel.origin}; a unified kernel image: its .linux section` },
    initrds: given.initrds ? { value: target.initrds.value, origin: `${own}, then ${target.initrds.origin}` } : { value: [], origin: own },
    cmdline:
      given.cmdline || image.cmdline === undefined ? target.cmdline : { value: inheritableCmdline(image.cmdline), origin: `the .cmdline section of ${target.kernel.value}` },
    problems: given.initrds ? target.problems : target.problems.filter((problem) => problem.subject !== 'initrd'),
    unified: image.parts,
  };
}

/** The kernel, initrd and command line named by KERNEL_IMAGE, INITRD and APPEND. */
function resolveConfiguredTarget(root: SystemRoot, config: KexecConfig): BootTarget {
  const problems: TargetProblem[] = [];
  const kernel = followLinks(root, 'kernel', config.kernelImage.value, problems);
  const initrds = config.initrd.value === '' ? [] : [followLinks(root, 'initrd', config.initrd.value, problems)];
  // INITRD's default, /initrd.img, belongs with /vmlinuz: a unified image brings its own.
  const given = { cmdline: config.append.value !== '', initrds: !atDefault(config, 'initrd') && config.initrd.value !== '' };
  return takeApartUnified(root, {
    kernel: { value: kernel, origin: describeSetting('KERNEL_IMAGE', config.kernelImage) },
    initrds: {
      value: initrds,
      origin: config.initrd.value === '' ? `INITRD is empty (${config.initrd.origin}): no initrd` : describeSetting('INITRD', config.initrd),
    },
    cmdline: resolveCmdline(root, config, problems),
    problems,
  }, given);
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
  const target: BootTarget = {
    kernel: { value: followLinks(root, 'kernel', entry.kernel, problems), origin: entry.origin },
    initrds: { value: entry.initrds.map((initrd) => followLinks(root, 'initrd', initrd, problems)), origin: entry.origin },
    cmdline: { value: inheritableCmdline(entry.cmdline), origin: entry.origin },
    problems,
    ...oneShotOf(entry),
  };
  return takeApartUnified(root, target, { cmdline: entry.cmdline !== '', initrds: entry.initrds.length > 0 });
}

function exists(root: SystemRoot, systemPath: string): boolean {
  try {
    lstatSync(root.path(systemPath));
    return true;
  } catch {
    return false;
  }
}

/** The running kernel's own files, as Debian's kernel packages name them in /boot. */
function runningKernelTarget(root: SystemRoot, config: KexecConfig, why: string): BootTarget {
  const release = readTextFile(root, KERNEL_RELEASE, MAX_BYTES.sysfsAttribute);
  if (release.kind !== 'text' || release.text.trim() === '') {
    const unusable = `${why}, and the running kernel's release is unknown: ${release.kind === 'text' ? `${KERNEL_RELEASE} is empty` : whyUnread(KERNEL_RELEASE, release)}`;
    return { ...resolveConfiguredTarget(root, config), problems: [{ subject: 'kernel', unusable }] };
  }
  const version = release.text.trim();
  const problems: TargetProblem[] = [];
  const origin = `the running kernel's own file (${why})`;
  const initrd = atDefault(config, 'initrd') ? `/boot/initrd.img-${version}` : config.initrd.value;
  return {
    kernel: { value: followLinks(root, 'kernel', `/boot/vmlinuz-${version}`, problems), origin },
    initrds: {
      value: initrd === '' ? [] : [followLinks(root, 'initrd', initrd, problems)],
      origin: atDefault(config, 'initrd') ? origin : describeSetting('INITRD', config.initrd),
    },
    cmdline: resolveCmdline(root, config, problems),
    problems,
  };
}

/**
 * With KERNEL_IMAGE not set and no /vmlinuz (Proxmox VE, do_symlinks = no,
 * systemd-boot installs): what the boot loader would boot, else the running
 * kernel again. Either is a kernel this machine boots; a firmware reboot for
 * want of a symlink would make the package do nothing there.
 */
async function resolveWithoutSymlink(root: SystemRoot, config: KexecConfig): Promise<BootTarget> {
  const why = `${config.kernelImage.value} does not exist and KERNEL_IMAGE is not set to another kernel`;
  const lookup = await bootloaderEntry(root);
  if (isUnusable(lookup)) return runningKernelTarget(root, config, `${why}; the boot loader's next entry cannot be used: ${lookup.unusable}`);
  return targetFromEntry(root, { ...lookup.found, origin: `the boot loader's next entry (${why}): ${lookup.found.origin}` });
}

/**
 * What a kexec would boot, by the first rule that applies:
 * 1. USE_GRUB_CONFIG=true: the bootloader's next entry (kernel, initrds and
 *    command line all from it), falling back to KERNEL_IMAGE/INITRD/APPEND,
 *    with the reason, when that entry cannot be used;
 * 2. KERNEL_IMAGE at its default and no /vmlinuz (the link Debian's kernel
 *    packages make unless /etc/kernel-img.conf says do_symlinks = no):
 *    resolveWithoutSymlink;
 * 3. KERNEL_IMAGE, INITRD and APPEND (a KERNEL_IMAGE set to another kernel
 *    and missing is an error, never guessed around).
 */
export async function resolveTarget(root: SystemRoot, config: KexecConfig): Promise<BootTarget> {
  if (config.useGrubConfig.value) {
    const lookup = await bootloaderEntry(root);
    if (isUnusable(lookup)) {
      return { ...resolveConfiguredTarget(root, config), bootloaderFallback: `USE_GRUB_CONFIG is true, but ${lookup.unusable}; using KERNEL_IMAGE and INITRD instead` };
    }
    return targetFromEntry(root, lookup.found);
  }
  if (atDefault(config, 'kernelImage') && !exists(root, config.kernelImage.value)) return resolveWithoutSymlink(root, config);
  return resolveConfiguredTarget(root, config);
}
