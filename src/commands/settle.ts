// Every command that reads or writes the reboot history first completes what the running boot knows of.
import type { Log } from '../host/log.js';
import { readHistory, updateHistory, type Arrival, type History, type HistoryReading } from '../host/reboot-history.js';
import type { SystemRoot } from '../host/system-root.js';
import { readThisBoot } from '../host/this-boot.js';
import { readBootMarks, removeBootMarks } from '../host/boot-marks.js';
import { settleBoots, type Settlement } from '../history/reboots.js';
import { describeEntry } from '../history/describe.js';

/** updateHistory, saying in the log when an unreadable history was set aside. */
export function changeHistory<T extends { readonly history: History }>(root: SystemRoot, log: Log, change: (history: History) => T | undefined): T | undefined {
  const changed = updateHistory(root, change);
  if (changed?.problem) log('warning', `${changed.problem}; set aside, the reboot history starts again`);
  return changed;
}

/**
 * The history as the running boot knows it (settleBoots), not written: what
 * status, check, history and every plan read, so a pause holds from the
 * first command of the firmware boot after a failed kexec, and a kexec that
 * came up shows as one, before any of it is written.
 */
export function readSettledHistory(root: SystemRoot): HistoryReading {
  const reading = readHistory(root);
  const settled = settleBoots(reading.history, readBootMarks(root), readThisBoot(root));
  return settled ? { ...reading, history: settled.history } : reading;
}

/** settleBoots on the history as it is when the change is made, one writer at a time. */
export const settleChange = (root: SystemRoot, thisBoot: Arrival | undefined) => (history: History) => settleBoots(history, readBootMarks(root), thisBoot);

/** Removes the marks of the boots a settled history now holds, and logs a line for each boot it completed. */
export function reportSettled(root: SystemRoot, log: Log, settled: Settlement, thisBoot: Arrival | undefined): void {
  removeBootMarks(root, settled.entries.map((entry) => entry.arrival!.bootId));
  for (const entry of settled.entries) {
    const which = entry.arrival!.bootId === thisBoot?.bootId ? 'this boot' : `boot ${entry.arrival!.bootId} (from the mark it left)`;
    log(entry.ended === 'kexec-failed' ? 'err' : 'notice', `${which}: ${describeEntry(entry)}`);
  }
  if (settled.paused) log('err', `kexec paused: ${settled.paused.why}; the next reboots go through firmware until "kexec-reboot resume", or until a different kernel is configured`);
}

/** Writes what the running boot knows (the shutdown hook, boot-complete); undefined when the history held it already. */
export function recordSettled(root: SystemRoot, log: Log, thisBoot: Arrival | undefined): Settlement | undefined {
  const settled = changeHistory(root, log, settleChange(root, thisBoot));
  if (settled) reportSettled(root, log, settled, thisBoot);
  return settled;
}
