import type { RebootEntry } from '../host/reboot-history.js';
import { downtimeOf } from '../history/downtime.js';
import { describePath, reasonOf } from '../history/describe.js';

const two = (n: number) => String(n).padStart(2, '0');
/** Local time, as journalctl and ls show it. */
function localTime(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** When it began: the request, or for an unrecorded boot its kernel's start. */
const when = (entry: RebootEntry) => entry.request?.requestedAt ?? entry.arrival?.kernelStartedAt;

export function whenText(entry: RebootEntry): string {
  const at = when(entry);
  return at ? localTime(at) : '?';
}

export function historyJson(entries: readonly RebootEntry[]) {
  return entries.map((entry) => {
    const downtime = downtimeOf(entry);
    return {
      at: when(entry) ?? null,
      ended: entry.ended ?? null,
      planned: entry.request?.path ?? null,
      downtime: typeof downtime === 'object' ? downtime : null,
      /** The two boots' wall clocks disagree: no downtime can be told. */
      clockStepped: downtime === 'clock stepped',
      kernel: entry.arrival?.kernelRelease ?? entry.request?.kernel ?? null,
      reason: reasonOf(entry) ?? null,
      request: entry.request ?? null,
      arrival: entry.arrival ?? null,
    };
  });
}

/** One line a reboot, newest first: when, how it ended, the downtime, the kernel that came up, why it was not a kexec. */
export function historyText(entries: readonly RebootEntry[]): string {
  if (entries.length === 0) return 'no reboots recorded yet\n';
  const rows = entries.map((entry) => {
    const downtime = downtimeOf(entry);
    return [
      whenText(entry),
      describePath(entry),
      typeof downtime === 'object' ? (downtime.total === undefined ? '-' : `${downtime.total.toFixed(1)} s`) : (downtime ?? '-'),
      entry.arrival?.kernelRelease ?? '-',
      reasonOf(entry) ?? '',
    ];
  });
  const header = ['WHEN', 'PATH', 'DOWN', 'KERNEL', 'WHY NOT KEXEC'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
