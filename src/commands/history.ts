import type { Log } from '../host/log.js';
import type { Programs } from '../host/programs.js';
import { readHistory, updateHistory, type History, type HistoryReading, type RebootEntry } from '../host/reboot-history.js';
import type { SystemRoot } from '../host/system-root.js';
import { readArrival } from '../host/this-boot.js';
import { writeMetricsFile } from '../host/metrics-file.js';
import { completeBoot, resume } from '../history/reboots.js';
import { metricsText } from '../history/metrics.js';
import { describeEntry } from '../history/describe.js';

/** updateHistory, saying in the log when an unreadable history was set aside. */
export function changeHistory<T extends { readonly history: History }>(root: SystemRoot, log: Log, change: (history: History) => T | undefined): T | undefined {
  const changed = updateHistory(root, change);
  if (changed?.problem) log('warning', `${changed.problem}; set aside, the reboot history starts again`);
  return changed;
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Writes the metrics; says why not when they could not be written, which leaves the history as it is. */
function writeMetrics(root: SystemRoot, history: History): string | undefined {
  try {
    writeMetricsFile(root, metricsText(history));
    return undefined;
  } catch (error) {
    return `cannot write the metrics: ${errorMessage(error)}`;
  }
}

/**
 * Run once userspace is up (kexec-reboot-boot.service, or its init script):
 * completes the record of the reboot that led here, pauses kexec after a kexec
 * boot that did not come up, and writes the metrics. Logs one line; a failure
 * is logged, never in the way of the boot.
 */
export async function completeThisBoot(root: SystemRoot, programs: Programs, log: Log): Promise<void> {
  try {
    const arrival = await readArrival(root, programs);
    const completed = changeHistory(root, log, (history) => completeBoot(history, arrival));
    if (!completed) return log('info', 'this boot is in the reboot history already');
    log(completed.paused ? 'err' : 'notice', `this boot: ${describeEntry(completed.entry)}`);
    if (completed.paused) log('err', `kexec paused: ${completed.paused.why}; the next reboots go through firmware until "kexec-reboot resume", or until a different kernel is configured`);
    const metricsProblem = writeMetrics(root, completed.history);
    if (metricsProblem) log('warning', metricsProblem);
  } catch (error) {
    log('warning', `cannot complete the reboot history: ${errorMessage(error)}`);
  }
}

/** The last `count` reboots, newest first. */
export function rebootHistory(root: SystemRoot, count: number): HistoryReading & { readonly newestFirst: readonly RebootEntry[] } {
  const reading = readHistory(root);
  return { ...reading, newestFirst: [...reading.history.reboots].reverse().slice(0, count) };
}

/**
 * Lifts the pause after a failed kexec boot; says what was lifted, or that
 * nothing was paused. The metrics failing to follow is a warning: the pause is lifted.
 */
export function resumeKexec(root: SystemRoot): { readonly said: string; readonly warning?: string } {
  const resumed = updateHistory(root, (history) => (history.pause ? { history: resume(history), lifted: history.pause } : undefined));
  if (!resumed) return { said: 'kexec is not paused' };
  const warning = writeMetrics(root, resumed.history);
  return { said: `kexec resumed: it had been paused since ${resumed.lifted.since} because ${resumed.lifted.why}`, ...(warning ? { warning } : {}) };
}
