import type { Arrival, History, KexecPause, RebootEnding, RebootEntry, RebootRequest } from '../host/reboot-history.js';

/** Enough to see a pattern across weeks of reboots, small enough to read at every status. */
export const HISTORY_LENGTH = 50;

const keepLast = (reboots: readonly RebootEntry[]) => reboots.slice(-HISTORY_LENGTH);

/** The shutdown hook's record of the reboot under way, which the next boot completes. */
export function addRequest(history: History, request: RebootRequest): History {
  return { ...history, reboots: keepLast([...history.reboots, { request }]) };
}

/**
 * How a recorded reboot ended, from two witnesses. The marker: the command
 * line of the kernel the hook left loaded names the requesting boot, and
 * reaches the next kernel only through that kexec. x86's boot protocol
 * (arrival.by): type_of_loader, set by every kexec and every boot loader;
 * other architectures have none. Order of authority:
 * 1. our marker arrived: a kexec, unless the boot protocol says a boot loader
 *    started this kernel (they contradict each other: neither is claimed);
 * 2. the boot protocol, where there is one;
 * 3. our marker was expected and did not arrive: not our kexec, so the
 *    firmware's boot (a kexec by hand after the hook is no path we take);
 *    so too when the hook left no kernel to kexec (a firmware path);
 * 4. otherwise (a kernel loaded by hand, or by 0.5.0, on arm64) it cannot be
 *    told, and neither path is claimed: the plan is no evidence, and a kexec
 *    that came back through firmware would be counted as a kexec.
 */
function endingOf(request: RebootRequest | undefined, arrival: Arrival): RebootEnding {
  if (!request) return 'unrecorded';
  const markerArrived = request.arrivalMarker !== undefined && arrival.kexecFrom === request.arrivalMarker;
  if (markerArrived) return arrival.by === 'firmware' ? 'unknown' : 'kexec';
  if (arrival.by === 'kexec') return 'kexec';
  const notOurKexec = arrival.by === 'firmware' || request.arrivalMarker !== undefined || request.path === 'firmware';
  // Planned a kexec, started by a boot loader: the kexec'd kernel never got as far as completing its record.
  if (notOurKexec) return request.path === 'kexec' ? 'kexec-failed' : 'firmware';
  return 'unknown';
}

export interface Completion {
  readonly history: History;
  readonly entry: RebootEntry;
  /** Set when this boot is the first after a kexec boot that did not come up. */
  readonly paused?: KexecPause;
}

/**
 * A boot recorded already, by its shutdown hook or before boot-complete ran,
 * gets what it now knows besides (when init ran, userspace up); undefined
 * when it has nothing to add.
 */
function fillIn(history: History, index: number, arrival: Arrival): Completion | undefined {
  const entry = history.reboots[index]!;
  const known = entry.arrival!;
  if ((known.upAt || !arrival.upAt) && (known.initStartedAt || !arrival.initStartedAt)) return undefined;
  const filled: RebootEntry = { ...entry, arrival: { ...known, ...arrival, by: known.by } };
  return { history: { ...history, reboots: history.reboots.map((other, i) => (i === index ? filled : other)) }, entry: filled };
}

/**
 * Completes the reboot that led to a boot: the newest record, if no boot
 * completed it yet (any later reboot would have left a newer one). Without
 * one the boot came another way: a crash, a power cut, a power-on, a reboot
 * the hook did not see. A kexec that came back through the firmware pauses
 * kexec for that kernel file. Undefined when the boot was completed already
 * and there is nothing to add, or when it is known by its own request only (it
 * came before that request, and the place it had is lost).
 */
export function completeBoot(history: History, arrival: Arrival): Completion | undefined {
  const recorded = history.reboots.findIndex((entry) => entry.arrival?.bootId === arrival.bootId);
  if (recorded !== -1) return fillIn(history, recorded, arrival);
  if (history.reboots.some((entry) => entry.request?.bootId === arrival.bootId)) return undefined;
  const newest = history.reboots.at(-1);
  const pending = newest && !newest.arrival ? newest : undefined;
  const request = pending?.request;
  const ended = endingOf(request, arrival);
  const entry: RebootEntry = { ...(request ? { request } : {}), arrival, ended };
  const paused: KexecPause | undefined =
    ended === 'kexec-failed' && request?.kernelIdentity
      ? {
          kernel: request.kernelIdentity,
          since: arrival.upAt ?? arrival.kernelStartedAt,
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

export interface Settlement {
  readonly history: History;
  /** What was completed or filled in, oldest first. */
  readonly entries: readonly RebootEntry[];
  /** Set when one of them was a kexec boot that did not come up. */
  readonly paused?: KexecPause;
}

/**
 * Completes, in boot order, every boot the history does not hold yet: first
 * those that marked themselves as come up early in their boot and went down
 * before they completed their own record (a reboot or poweroff before
 * kexec-reboot-boot ran, a full /var, a boot that never reached
 * multi-user.target), then the running boot. A kexec boot that came up is so
 * never taken for a failed one, and the firmware boot after a failed one
 * pauses kexec whichever command reads or writes the history first.
 * Undefined when there is nothing to complete.
 */
export function settleBoots(history: History, marks: readonly Arrival[], thisBoot: Arrival | undefined): Settlement | undefined {
  const known = new Set(history.reboots.flatMap((entry) => [entry.arrival?.bootId, entry.request?.bootId]));
  const others = marks
    .filter((mark) => !known.has(mark.bootId) && mark.bootId !== thisBoot?.bootId)
    .sort((a, b) => Date.parse(a.kernelStartedAt) - Date.parse(b.kernelStartedAt));
  let settled = history;
  let paused: KexecPause | undefined;
  const entries: RebootEntry[] = [];
  for (const arrival of thisBoot ? [...others, thisBoot] : others) {
    const completion = completeBoot(settled, arrival);
    if (!completion) continue;
    settled = completion.history;
    entries.push(completion.entry);
    paused = completion.paused ?? paused;
  }
  return entries.length === 0 ? undefined : { history: settled, entries, ...(paused ? { paused } : {}) };
}

/** Lifts a pause; the history of why it was paused stays. */
export function resume(history: History): History {
  return { reboots: history.reboots, counts: history.counts };
}
