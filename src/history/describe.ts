import type { RebootEntry } from '../host/reboot-history.js';
import { downtimeOf, type Downtime } from './downtime.js';

/** How the reboot ended, set against what the hook had planned. */
export function describePath(entry: RebootEntry): string {
  const planned = entry.request?.path;
  switch (entry.ended) {
    case undefined:
      return `${planned ?? '?'} (planned; the next boot has not completed it)`;
    case 'kexec-failed':
      return 'kexec failed: came back through firmware';
    case 'unrecorded':
      return 'unrecorded';
    default:
      return planned === undefined || planned === entry.ended ? entry.ended : `${entry.ended} (planned: ${planned})`;
  }
}

const s = (seconds: number) => `${seconds.toFixed(1)} s`;

function describeDowntime(downtime: Downtime | 'clock stepped'): string {
  if (downtime === 'clock stepped') return 'no figure: the clock stepped between the two boots';
  // Each phase only where both its ends are known: when init ran is not, once the kernel's log wrapped.
  const phases = [
    `to the new kernel ${s(downtime.requestToKernel)}`,
    downtime.kernelToInit === undefined ? undefined : `to init ${s(downtime.kernelToInit)}`,
    downtime.initToUp === undefined ? undefined : `to userspace up ${s(downtime.initToUp)}`,
  ].filter((part) => part !== undefined);
  if (downtime.total === undefined) return [...phases, 'userspace up not recorded'].join(', ');
  return `${s(downtime.total)} (${phases.join(', ')})`;
}

/** Why a reboot was not a kexec, in the hook's words; nothing for one that was. */
export function reasonOf(entry: RebootEntry): string | undefined {
  if (entry.ended === 'kexec') return undefined;
  if (entry.ended === 'unrecorded') return 'no reboot record before this boot: a crash, a power cut, a power-on, or a reboot the shutdown hook did not see';
  if (entry.ended === 'unknown') return 'how this boot arrived cannot be told (the kernel came with no marker of ours, and there is no boot protocol to ask: not x86)';
  if (entry.ended === 'kexec-failed') return `the kexec boot of ${entry.request?.kernel ?? 'a kernel loaded by hand'} did not come up`;
  return entry.request?.why;
}

/** One line for the log: how this boot arrived and the downtime measured. */
export function describeEntry(entry: RebootEntry): string {
  const downtime = downtimeOf(entry);
  const reason = reasonOf(entry);
  return [describePath(entry), downtime ? `down ${describeDowntime(downtime)}` : undefined, entry.arrival ? `kernel ${entry.arrival.kernelRelease}` : undefined, reason]
    .filter((part) => part !== undefined)
    .join('; ');
}
