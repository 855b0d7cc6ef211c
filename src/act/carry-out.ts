import type { Plan } from '../plan/plan.js';
import { unloadFailed, type KexecRunner } from './kexec-runner.js';

/** How the reboot in progress will end, and why. */
export interface Outcome {
  readonly path: 'kexec' | 'firmware';
  readonly message: string;
  /** A kernel stays loaded that nobody verified, and could not be unloaded: the final step must not start it (final-step.ts). */
  readonly unverifiedKernelLoaded?: true;
}

/** One log line: how the next reboot ends, and why. */
export function describeOutcome(outcome: Outcome): string {
  return `${outcome.path === 'kexec' ? 'reboot by kexec' : 'reboot through firmware'}: ${outcome.message}`;
}

/**
 * Acts on a plan during a reboot. A failure ends in `firmware`, unless a
 * kernel that could not be unloaded stays, which the outcome marks: the
 * reboot itself goes on regardless, only the way it ends changes.
 */
export async function carryOut(plan: Plan, runner: KexecRunner, kernelLoaded: boolean): Promise<Outcome> {
  if (plan.action === 'cold') {
    if (kernelLoaded) {
      // A kernel we loaded ahead of time, or one loaded after coldreboot ran: firmware means nothing may stay loaded.
      const unloaded = await runner.unload();
      if (!unloaded.ok) return { path: 'kexec', message: unloadFailed(plan.why, unloaded), unverifiedKernelLoaded: true };
    }
    return { path: 'firmware', message: plan.why };
  }
  if (plan.reason !== 'configured') return { path: 'kexec', message: plan.why };
  const loaded = await runner.load(plan.load);
  if (loaded.ok) return { path: 'kexec', message: `${loaded.detail} (${plan.why})` };
  return loaded.unverifiedKernelLoaded ? { path: 'kexec', message: loaded.detail, unverifiedKernelLoaded: true } : { path: 'firmware', message: loaded.detail };
}
