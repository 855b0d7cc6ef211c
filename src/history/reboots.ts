import type { Arrival, History, KexecPause, RebootEnding, RebootEntry, RebootRequest } from '../host/reboot-history.js';

/** Enough to see a pattern across weeks of reboots, small enough to read at every status. */
export const HISTORY_LENGTH = 50;

const keepLast = (reboots: readonly RebootEntry[]) => reboots.slice(-HISTORY_LENGTH);

/** The shutdown hook's record of the reboot under way, which the next boot completes. */
export function addRequest(history: History, request: RebootRequest): History {
  return { ...history, reboots: keepLast([...history.reboots, { request }]) };
}

function endingOf(request: RebootRequest | undefined, arrival: Arrival): RebootEnding {
  if (!request) return 'unrecorded';
  if (arrival.by === 'kexec') return 'kexec';
  // Planned a kexec, started by a boot loader: the kexec'd kernel never got as far as completing its record.
  if (arrival.by === 'firmware') return request.path === 'kexec' ? 'kexec-failed' : 'firmware';
  // The plan is no evidence: a kexec that came back through firmware would be counted as a kexec.
  return 'unknown';
}

export interface Completion {
  readonly history: History;
  readonly entry: RebootEntry;
  /** Set when this boot is the first after a kexec boot that did not come up. */
  readonly paused?: KexecPause;
}

/**
 * Completes the reboot that led to this boot: the newest record, if no boot
 * completed it yet (any later reboot would have left a newer one). Without
 * one the boot came another way: a crash, a power cut, a power-on, a reboot
 * the hook did not see. A kexec that came back through the firmware pauses
 * kexec for that kernel file. Undefined when this boot was completed already.
 */
export function completeBoot(history: History, arrival: Arrival): Completion | undefined {
  if (history.reboots.some((entry) => entry.arrival?.bootId === arrival.bootId)) return undefined;
  const newest = history.reboots.at(-1);
  const pending = newest && !newest.arrival ? newest : undefined;
  const request = pending?.request;
  const ended = endingOf(request, arrival);
  const entry: RebootEntry = { ...(request ? { request } : {}), arrival, ended };
  const paused: KexecPause | undefined =
    ended === 'kexec-failed' && request?.kernelIdentity
      ? {
          kernel: request.kernelIdentity,
          since: arrival.upAt,
          why: `the kexec boot of ${request.kernel ?? request.kernelIdentity.path} asked for at ${request.requestedAt} did not come up (the machine came back through firmware)`,
        }
      : undefined;
  const reboots = pending ? [...history.reboots.slice(0, -1), entry] : [...history.reboots, entry];
  return {
    history: {
      reboots: keepLast(reboots),
      counts: { ...history.counts, [ended]: history.counts[ended] + 1 },
      ...(paused ? { pause: paused } : history.pause ? { pause: history.pause } : {}),
    },
    entry,
    ...(paused ? { paused } : {}),
  };
}

/** Lifts a pause; the history of why it was paused stays. */
export function resume(history: History): History {
  return { reboots: history.reboots, counts: history.counts };
}
