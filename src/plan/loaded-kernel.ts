import type { LoadRecord } from '../host/load-record.js';
import { fingerprintDifference } from './fingerprint.js';
import type { Plan } from './plan.js';

/**
 * Whose kernel is loaded. Our load record is the only mark we leave: a kernel
 * loaded without one was loaded by hand, and it is the admin's to keep.
 */
export type LoadedKernel =
  | { readonly by: 'nobody' }
  | { readonly by: 'hand' }
  | { readonly by: 'kexec-reboot'; readonly record: LoadRecord };

export function whoseKernel(kernelLoaded: boolean, record: LoadRecord | undefined): LoadedKernel {
  if (!kernelLoaded) return { by: 'nobody' };
  return record ? { by: 'kexec-reboot', record } : { by: 'hand' };
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

/** A kernel we loaded, in words for the log. */
export function describeOurKernel(record: LoadRecord): string {
  return record.fingerprint
    ? `${record.fingerprint.kernel.path} (loaded at ${record.loadedAt})`
    : `the kernel whose load started at ${record.loadedAt} and did not finish`;
}
