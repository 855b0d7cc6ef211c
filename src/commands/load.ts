// The commands that change what is loaded, run by people and by the package: load, unload and preload.
import type { RunOutcome } from '../act/kexec-runner.js';
import { carryOut, describeOutcome, type Outcome } from '../act/carry-out.js';
import type { Log } from '../host/log.js';
import { whoseKernel } from '../plan/loaded-kernel.js';
import { fingerprintDifference } from '../plan/fingerprint.js';
import { isKernelLoaded } from '../host/facts.js';
import { readLoadRecord } from '../host/load-record.js';
import type { Programs } from '../host/programs.js';
import type { SystemRoot } from '../host/system-root.js';
import { assess, planFreshLoad, type Assessment } from './assess.js';
import { kexecByHand, kexecLoadCommand } from './by-hand.js';

export type LoadResult =
  | { readonly kind: 'nothing-to-load'; readonly why: string }
  | { readonly kind: 'dry-run'; readonly warnings: readonly string[]; readonly command: readonly string[] }
  | { readonly kind: 'loaded'; readonly warnings: readonly string[]; readonly outcome: RunOutcome };

/** Loads the planned kernel now, replacing any loaded one; with dryRun, only says how. */
export async function load(root: SystemRoot, programs: Programs, { dryRun }: { readonly dryRun: boolean }): Promise<LoadResult> {
  const plan = planFreshLoad(await assess(root, programs));
  if (plan.action !== 'kexec' || plan.reason !== 'configured') return { kind: 'nothing-to-load', why: plan.why };
  const { warnings } = plan;
  if (dryRun) return { kind: 'dry-run', warnings, command: kexecLoadCommand(root, programs, plan.load) };
  return { kind: 'loaded', warnings, outcome: await kexecByHand(root, programs).load(plan.load) };
}

/**
 * Unloads the loaded kernel. With ifOurs, only one kexec-reboot loaded (its
 * load record exists, finished or not): one loaded by hand is the admin's,
 * and having nothing to unload is no failure.
 */
export async function unload(root: SystemRoot, programs: Programs, { ifOurs }: { readonly ifOurs: boolean }): Promise<RunOutcome> {
  if (!ifOurs) return kexecByHand(root, programs).unload();
  const loaded = whoseKernel(isKernelLoaded(root), readLoadRecord(root));
  if (loaded.by === 'nobody') return { ok: true, detail: 'no kernel is loaded: nothing to unload' };
  if (loaded.by === 'hand') return { ok: true, detail: 'the loaded kernel was loaded by hand, not by kexec-reboot: left loaded' };
  const unloaded = await kexecByHand(root, programs).unload();
  return unloaded.ok ? { ...unloaded, detail: `unloaded the kernel kexec-reboot loaded at ${loaded.record.loadedAt}` } : unloaded;
}

/** The line a preload leaves in the log. */
export function logPreload(log: Log, outcome: Outcome): void {
  log(outcome.path === 'kexec' ? 'notice' : 'warning', `preload: ${describeOutcome(outcome)}`);
}

export type PreloadResult = { readonly ran: false; readonly why: string } | { readonly ran: true; readonly outcome: Outcome };

/** The plan's load when it loads anew (not a kernel kept, nor a firmware reboot). */
const freshLoad = (assessment: Assessment) =>
  assessment.reading.config.preload.value && assessment.plan.action === 'kexec' && assessment.plan.reason === 'configured' ? assessment.plan.load : undefined;

/**
 * Whether what the preload decided from changed while it ran: it would now
 * load something it did not just try. A load that was refused with nothing
 * changed is not tried again.
 */
function changedMeanwhile(before: Assessment, after: Assessment): boolean {
  const now = freshLoad(after);
  if (!now) return false;
  const tried = freshLoad(before);
  return !tried || fingerprintDifference(tried.fingerprint, now.fingerprint) !== undefined;
}

async function preloadOnce(root: SystemRoot, programs: Programs, assessment: Assessment): Promise<PreloadResult> {
  const { preload: enabled } = assessment.reading.config;
  if (!enabled.value) return { ran: false, why: `PRELOAD is false (${enabled.origin}): nothing to do` };
  return { ran: true, outcome: await carryOut(assessment.plan, kexecByHand(root, programs), assessment.system.kernelLoaded) };
}

/**
 * Rounds a preload takes at most while its inputs keep changing under it. A
 * kernel install changes them in a few steps (the image, /vmlinuz, the
 * initrd, the boot loader's entry); past this, the next change starts the
 * service again, and the shutdown hook checks the kernel against the plan.
 */
const MAX_ROUNDS = 5;

/**
 * With PRELOAD=true, carries the plan out now: loads the kernel, or again if
 * what it is made from changed. Then looks again, until a round saw no
 * change: systemd's path unit does not start the service again for a change
 * made while it runs (seen in a VM: PRELOAD=true written during a preload was
 * never loaded), nor does the kernel hook's `systemctl start` then, so a
 * change made while a round ran is carried out here.
 */
export async function preload(root: SystemRoot, programs: Programs, assessment?: Assessment): Promise<PreloadResult> {
  let current = assessment ?? (await assess(root, programs));
  let result = await preloadOnce(root, programs, current);
  for (let round = 1; round < MAX_ROUNDS; round++) {
    const now = await assess(root, programs);
    if (!changedMeanwhile(current, now)) break;
    current = now;
    result = await preloadOnce(root, programs, now);
  }
  return result;
}
