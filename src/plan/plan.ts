import { basename } from 'node:path';
import { formatDiagnostic, type ConfigReading } from '../config/config.js';
import type { FileFacts, FileIdentity, KernelSignature } from '../host/inspect.js';
import type { SystemFacts } from '../host/facts.js';
import { KEXEC_TOOLS_COLD_FLAG } from '../host/paths.js';
import type { BootTarget, TargetProblem } from '../boot-target/boot-target.js';
import type { UnifiedParts } from '../host/unified-kernel-image.js';
import type { Fingerprint, LoadRecord } from '../host/load-record.js';
import type { KexecPause } from '../host/reboot-history.js';
import { fingerprintDifference, sameFileAcrossBoots } from './fingerprint.js';
import { whoseKernel } from './loaded-kernel.js';
import { isUnusable } from '../unusable.js';

/** Everything a plan is decided from; gathered by the pipeline, so planning itself does no I/O. */
export interface PlanInput {
  readonly reading: ConfigReading;
  /** What kexec-reboot itself loaded, if the loaded kernel is ours. */
  readonly loadRecord?: LoadRecord;
  readonly target: BootTarget;
  readonly kernelFile: FileFacts;
  readonly initrdFiles: readonly FileFacts[];
  readonly system: SystemFacts;
  /** Read only when the running kernel is locked down, the one case where it decides the plan. */
  readonly kernelSignature?: KernelSignature;
  /** Set after a kexec boot that did not come up (the reboot history), until `kexec-reboot resume`. */
  readonly pause?: KexecPause;
}

export interface LoadSpec {
  readonly kernel: string;
  readonly initrds: readonly string[];
  /** `kernel` is a unified kernel image: the kernel and its first initrds are parts of it, written out to be loaded. */
  readonly unified?: UnifiedParts;
  readonly cmdline: string;
  /**
   * The running kernel is locked down: it accepts only kexec_file_load, and
   * checks signatures. Otherwise kexec_load may stand in for it where the
   * file call is not available (see kexec-runner.ts).
   */
  readonly lockedDown: boolean;
  /** Recorded after the load, so a kernel loaded ahead of time can be checked before it is booted. */
  readonly fingerprint: Fingerprint;
}

export type ColdReason =
  | 'cold-requested'
  | 'config-invalid'
  | 'disabled'
  | 'kexec-unsupported'
  | 'kexec-missing'
  | 'kernel-unusable'
  | 'kernel-unsigned'
  | 'kexec-paused'
  | 'initrd-unusable'
  | 'cmdline-unavailable';

export type Plan =
  | { readonly action: 'kexec'; readonly reason: 'configured'; readonly why: string; readonly load: LoadSpec; readonly warnings: readonly string[] }
  | { readonly action: 'kexec'; readonly reason: 'already-loaded' | 'preloaded'; readonly why: string; readonly warnings: readonly string[] }
  | { readonly action: 'cold'; readonly reason: ColdReason; readonly why: string; readonly warnings: readonly string[] };

/** The version a Debian kernel or initrd file name carries: vmlinuz-6.1.0-9-amd64 -> 6.1.0-9-amd64. */
export function versionInFileName(filePath: string): string | undefined {
  return basename(filePath).match(/^(?:vmlinuz|vmlinux|bzImage|initrd\.img|initrd|initramfs)-(.+?)(?:\.img)?$/)?.[1];
}

function initrdVersionWarnings(kernel: string, initrds: readonly string[]): string[] {
  const kernelVersion = versionInFileName(kernel);
  if (kernelVersion === undefined) return [];
  return initrds
    .filter((initrd) => {
      const initrdVersion = versionInFileName(initrd);
      return initrdVersion !== undefined && initrdVersion !== kernelVersion;
    })
    .map((initrd) => `${initrd} does not match kernel version ${kernelVersion}`);
}

const TARGET_PROBLEM_REASON: Record<TargetProblem['subject'], ColdReason> = {
  kernel: 'kernel-unusable',
  initrd: 'initrd-unusable',
  cmdline: 'cmdline-unavailable',
};

const cold = (reason: ColdReason, why: string, warnings: readonly string[] = []): Plan => ({
  action: 'cold',
  reason,
  why,
  warnings,
});

const COLD_REQUEST_WHY = `${KEXEC_TOOLS_COLD_FLAG} exists: a firmware restart was asked for (by coldreboot, or by hand)`;

/**
 * How much older than this boot's start /no-kexec-reboot must be to count as
 * left over. Both times come from the wall clock, which NTP may have stepped
 * between the flag being made and now (a server's hardware clock drifts
 * seconds to minutes), and a file's mtime is only as fine as the
 * filesystem's clock: a flag made in this boot must never pass for an old
 * one, since that would kexec a reboot asked to go through firmware. Five
 * minutes covers that; a flag left less than five minutes before this boot
 * started only costs one more firmware reboot, as it always did.
 */
const STALE_COLD_REQUEST_MARGIN_MS = 5 * 60_000;

/**
 * Why /no-kexec-reboot asks for nothing any more: it asks for one firmware
 * restart, and one older than this boot was left by a restart that never
 * reached the hook to remove it, and was itself through firmware (a reboot
 * -f, a crash, a power cut). Undefined while it still counts, or when its
 * age cannot be told.
 */
export function staleColdRequest(system: SystemFacts): string | undefined {
  const { coldRequestedBy, coldRequestMadeMs, bootStartedMs } = system;
  if (!coldRequestedBy || coldRequestMadeMs === undefined || bootStartedMs === undefined) return undefined;
  if (coldRequestMadeMs >= bootStartedMs - STALE_COLD_REQUEST_MARGIN_MS) return undefined;
  return `${coldRequestedBy} is older than this boot (made at ${new Date(coldRequestMadeMs).toISOString()}, the boot started at ${new Date(bootStartedMs).toISOString()}): the firmware reboot it asked for has happened (a reboot -f, a crash or a power cut kept it from being removed)`;
}

/**
 * A pause holds for the kernel file that failed, and for it only: the same
 * kernel would fail again; another one, or the admin's word, lifts it.
 */
export function pauseHolds(pause: KexecPause | undefined, kernel: FileFacts): pause is KexecPause {
  return pause !== undefined && !isUnusable(kernel) && sameFileAcrossBoots(pause.kernel, kernel);
}

/**
 * Whether the configuration and the files allow loading a kernel, as if
 * nothing were loaded: a kexec plan that loads, or a cold one with the reason.
 */
function planLoad(input: PlanInput, warnings: readonly string[]): Plan {
  const { reading, target, system } = input;
  const firstError = reading.errors[0];
  if (firstError) return cold('config-invalid', `the configuration cannot be used: ${formatDiagnostic(firstError)}`, warnings);
  if (!reading.config.loadKexec.value) {
    return cold('disabled', `LOAD_KEXEC is false (${reading.config.loadKexec.origin})`, warnings);
  }
  if (!system.kexecSupported) return cold('kexec-unsupported', 'the running kernel does not support kexec (no /sys/kernel/kexec_loaded)', warnings);
  if (!system.kexecProgram) return cold('kexec-missing', 'the kexec program is missing (install kexec-tools)', warnings);

  const targetProblem = target.problems[0];
  if (targetProblem) return cold(TARGET_PROBLEM_REASON[targetProblem.subject], targetProblem.unusable, warnings);
  const kernel = input.kernelFile;
  if (isUnusable(kernel)) return cold('kernel-unusable', kernel.unusable, warnings);
  const unusableInitrd = input.initrdFiles.find(isUnusable);
  if (unusableInitrd) return cold('initrd-unusable', unusableInitrd.unusable, warnings);
  const initrds = input.initrdFiles.filter((file): file is FileIdentity => !isUnusable(file));
  if (pauseHolds(input.pause, kernel)) {
    return cold('kexec-paused', `kexec is paused: ${input.pause.why}; until "kexec-reboot resume", or until a different kernel is configured`, warnings);
  }
  const signature = input.kernelSignature;
  if (system.lockdown !== 'none' && signature && 'unsigned' in signature) {
    return cold(
      'kernel-unsigned',
      `${target.unified ? `the kernel in the .linux section of ${target.kernel.value}` : target.kernel.value} is not signed (${signature.unsigned}): the running kernel is locked down (${system.lockdown}, as under Secure Boot) and kexec-loads only kernels signed with a key it trusts`,
      warnings,
    );
  }
  const signatureWarnings = system.lockdown !== 'none' && signature && isUnusable(signature) ? [`${signature.unusable}; the running kernel checks it when loading`] : [];

  const lockedDown = system.lockdown !== 'none';
  return {
    action: 'kexec',
    reason: 'configured',
    why: `LOAD_KEXEC is true (${reading.config.loadKexec.origin})`,
    load: {
      kernel: target.kernel.value,
      initrds: target.initrds.value,
      ...(target.unified ? { unified: target.unified } : {}),
      cmdline: target.cmdline.value,
      lockedDown,
      fingerprint: {
        kernel,
        initrds,
        cmdline: target.cmdline.value,
        lockedDown,
      },
    },
    warnings: [...warnings, ...signatureWarnings, ...initrdVersionWarnings(target.kernel.value, target.initrds.value)],
  };
}

/**
 * Decides what the next reboot does. The order is the order of authority: an
 * explicit coldreboot (kexec-tools' /no-kexec-reboot) beats everything; a
 * kernel someone loaded by hand is what systemd and our final hook will start
 * whatever the configuration says (as with Debian's kexec-load, a manual load
 * wins); a kernel we loaded
 * ahead of time is kept only while it is exactly what we would load now;
 * otherwise the configuration and the files decide, and a kernel file whose
 * kexec boot did not come up is not kexec'd again until the admin resumes.
 */
export function planReboot(input: PlanInput): Plan {
  const { system, target } = input;
  const stale = staleColdRequest(system);
  const warnings = [
    ...input.reading.warnings.map(formatDiagnostic),
    ...(target.bootloaderFallback ? [target.bootloaderFallback] : []),
    ...(stale ? [`${stale}; ignored, and removed at the next reboot`] : []),
  ];

  if (system.coldRequestedBy && !stale) return cold('cold-requested', COLD_REQUEST_WHY, warnings);
  const loaded = whoseKernel(system.kernelLoaded, input.loadRecord);
  if (loaded.by === 'hand') {
    return {
      action: 'kexec',
      reason: 'already-loaded',
      why: 'a kernel is already loaded (kexec -l by hand); it is what will boot. Run "kexec-reboot unload" or "coldreboot" to prevent that',
      warnings,
    };
  }
  const plan = planLoad(input, warnings);
  if (loaded.by !== 'kexec-reboot' || plan.action !== 'kexec' || plan.reason !== 'configured') return plan;
  const ours = loaded.record;
  if (!ours.fingerprint) return { ...plan, why: `a load started at ${ours.loadedAt} did not finish: loading again` };
  const difference = fingerprintDifference(ours.fingerprint, plan.load.fingerprint);
  return difference
    ? { ...plan, why: `${difference} since the kernel was loaded at ${ours.loadedAt}: loading it again` }
    : { action: 'kexec', reason: 'preloaded', why: `the kernel loaded at ${ours.loadedAt} is still what the configuration names`, warnings: plan.warnings };
}

/**
 * Whether a kernel we loaded may be booted under this plan: only when it is
 * exactly what the plan would load now. A load that never finished, or no
 * plan at all, proves nothing.
 */
export function matchesPlan(record: LoadRecord, plan: Plan | undefined): boolean {
  if (!record.fingerprint || plan?.action !== 'kexec') return false;
  // A 'preloaded' plan was made from this very record, and found it current.
  if (plan.reason === 'preloaded') return true;
  return plan.reason === 'configured' && fingerprintDifference(record.fingerprint, plan.load.fingerprint) === undefined;
}
