import type { LoadRecord } from '../host/load-record.js';

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

/** A kernel we loaded, in words for the log. */
export function describeOurKernel(record: LoadRecord): string {
  return record.fingerprint
    ? `${record.fingerprint.kernel.path} (loaded at ${record.loadedAt})`
    : `the kernel whose load started at ${record.loadedAt} and did not finish`;
}
