import type { RebootEntry } from '../host/reboot-history.js';

/** Seconds, measured on the machine: the request, the new kernel's start, its run of init, userspace up. */
export interface Downtime {
  readonly requestToKernel: number;
  /** Unknown for a boot known only from its early mark. */
  readonly kernelToInit?: number;
  /** Unknown, with the total, for a boot that went down before it was up (before boot-complete ran). */
  readonly initToUp?: number;
  readonly total?: number;
}

/**
 * The request and the new kernel's start are read off two boots' wall
 * clocks: a hardware clock that drifted, set right by NTP in one boot and not
 * yet in the other, moves one against the other. A kernel that started
 * before the request, or more than a day after it, says the clocks disagree,
 * not how long the reboot took.
 */
const MAX_REQUEST_TO_KERNEL_SECONDS = 24 * 60 * 60;

const seconds = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 10) / 100;

/**
 * Known for a recorded reboot once the next boot completed it, unless the
 * clock stepped between the two boots. After a failed kexec it spans both boots.
 */
export function downtimeOf(entry: RebootEntry): Downtime | 'clock stepped' | undefined {
  const { request, arrival } = entry;
  if (!request || !arrival) return undefined;
  const requestToKernel = seconds(request.requestedAt, arrival.kernelStartedAt);
  if (requestToKernel < 0 || requestToKernel > MAX_REQUEST_TO_KERNEL_SECONDS) return 'clock stepped';
  const { initStartedAt, upAt } = arrival;
  return {
    requestToKernel,
    ...(initStartedAt ? { kernelToInit: seconds(arrival.kernelStartedAt, initStartedAt) } : {}),
    ...(initStartedAt && upAt ? { initToUp: seconds(initStartedAt, upAt) } : {}),
    ...(upAt ? { total: seconds(request.requestedAt, upAt) } : {}),
  };
}
