import type { Outcome } from '../act/carry-out.js';
import type { LoadRecord } from '../host/load-record.js';
import type { RebootRequest } from '../host/reboot-history.js';
import type { Plan } from '../plan/plan.js';

export interface RequestFacts {
  readonly bootId: string;
  readonly requested: { readonly at: string; readonly from: RebootRequest['requestedFrom'] };
  readonly verb: RebootRequest['verb'];
  readonly plan: Plan;
  readonly outcome: Outcome;
  readonly loadRecord: LoadRecord | undefined;
}

/** The kernel a kexec will start, when it is ours to know: loaded now, or ahead of time. A kernel loaded by hand is the admin's. */
function kexecTarget({ plan, outcome, loadRecord }: RequestFacts): Pick<RebootRequest, 'kernel' | 'initrds' | 'cmdline' | 'kernelIdentity'> {
  if (outcome.path !== 'kexec' || plan.action !== 'kexec') return {};
  if (plan.reason === 'configured') {
    const { load } = plan;
    return { kernel: load.kernel, initrds: [...load.initrds], cmdline: load.cmdline, kernelIdentity: load.fingerprint.kernel };
  }
  const fingerprint = plan.reason === 'preloaded' ? loadRecord?.fingerprint : undefined;
  if (!fingerprint) return {};
  return { kernel: fingerprint.kernel.path, initrds: fingerprint.initrds.map((initrd) => initrd.path), cmdline: fingerprint.cmdline, kernelIdentity: fingerprint.kernel };
}

/**
 * What the shutdown hook records of the reboot it prepared, for the next boot
 * to complete. loadRecord: what is loaded now that the hook has acted.
 */
export function rebootRequest(facts: RequestFacts): RebootRequest {
  const arrivalMarker = facts.outcome.path === 'kexec' ? facts.loadRecord?.arrivalMarker : undefined;
  return {
    bootId: facts.bootId,
    requestedAt: facts.requested.at,
    requestedFrom: facts.requested.from,
    verb: facts.verb,
    path: facts.outcome.path,
    why: facts.outcome.message,
    ...kexecTarget(facts),
    ...(arrivalMarker ? { arrivalMarker } : {}),
  };
}
