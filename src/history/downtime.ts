import type { RebootEntry } from '../host/reboot-history.js';

/** Seconds, measured on the machine: the request, the new kernel's start, PID 1's start, userspace up. */
export interface Downtime {
  readonly requestToKernel: number;
  readonly kernelToInit: number;
  readonly initToUp: number;
  readonly total: number;
}

const seconds = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 10) / 100;

/** Known for a recorded reboot once the next boot completed it. After a failed kexec it spans both boots. */
export function downtimeOf(entry: RebootEntry): Downtime | undefined {
  const { request, arrival } = entry;
  if (!request || !arrival) return undefined;
  return {
    requestToKernel: seconds(request.requestedAt, arrival.kernelStartedAt),
    kernelToInit: seconds(arrival.kernelStartedAt, arrival.initStartedAt),
    initToUp: seconds(arrival.initStartedAt, arrival.upAt),
    total: seconds(request.requestedAt, arrival.upAt),
  };
}
