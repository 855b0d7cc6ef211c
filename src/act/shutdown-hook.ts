import { assess } from '../pipeline.js';
import type { Log } from '../log.js';
import type { SystemRoot } from '../system-root.js';
import type { Programs } from '../system/programs.js';
import { detectShutdownVerb, type ShutdownVerb } from '../system/shutdown-verb.js';
import { carryOut } from './carry-out.js';
import { clearGrubNextEntry } from './grub-next-entry.js';
import { createKexecRunner } from './kexec-runner.js';

export interface HookLimits {
  /** The whole hook, every kexec call included; kept under the unit's TimeoutStopSec. */
  readonly totalMs: number;
  /** One kexec call. */
  readonly callMs: number;
}

export const DEFAULT_HOOK_LIMITS: HookLimits = { totalMs: 25_000, callMs: 20_000 };

/**
 * Runs while the machine goes down: loads the planned kernel when, and only
 * when, this is a reboot. It logs one line per decision and never throws: a
 * failure here must only ever turn a kexec into a normal firmware reboot.
 */
export async function runShutdownHook(
  root: SystemRoot,
  programs: Programs,
  log: Log,
  givenVerb: ShutdownVerb | undefined,
  limits: HookLimits = DEFAULT_HOOK_LIMITS,
): Promise<void> {
  const deadline = Date.now() + limits.totalMs;
  try {
    const verb = givenVerb ?? (await detectShutdownVerb(root, programs, Math.min(5_000, limits.totalMs)));
    if (verb !== 'reboot' && verb !== 'kexec') {
      log('info', verb ? `${verb}: no kexec` : 'not a reboot (no reboot job queued): no kexec');
      return;
    }
    const assessment = await assess(root, programs);
    for (const warning of assessment.plan.warnings) log('warning', warning);
    const runner = createKexecRunner({ root, kexec: programs.kexec, callTimeoutMs: limits.callMs, deadline });
    const outcome = await carryOut(assessment.plan, runner, assessment.system.kernelLoaded);
    log(outcome.path === 'kexec' ? 'notice' : 'warning', `${verb}: ${outcome.path === 'kexec' ? 'kexec' : 'firmware reboot'}: ${outcome.message}`);
    const oneShot = assessment.target.grubNextEntry;
    if (outcome.path === 'kexec' && oneShot) {
      const cleared = await clearGrubNextEntry(root, programs.grubEditenv, oneShot.grubenv);
      log(cleared.ok ? 'info' : 'warning', cleared.detail);
    }
  } catch (error) {
    log('err', `firmware reboot: unexpected error: ${(error as Error).message}`);
  }
}
