import type { Log } from '../host/log.js';
import type { Programs } from '../host/programs.js';
import type { History, HistoryReading, RebootEntry } from '../host/reboot-history.js';
import type { SystemRoot } from '../host/system-root.js';
import { readArrival, readThisBoot } from '../host/this-boot.js';
import { writeMetricsFile } from '../host/metrics-file.js';
import { resume } from '../history/reboots.js';
import { metricsText } from '../history/metrics.js';
import { pauseHolds } from '../plan/plan.js';
import { assess } from './assess.js';
import { logPreload, preload } from './load.js';
import { changeHistory, readSettledHistory, recordSettled, reportSettled, settleChange } from './settle.js';

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Writes the metrics; says why not when they could not be written, which leaves the history as it is. */
function writeMetrics(root: SystemRoot, history: History, paused: boolean): string | undefined {
  try {
    writeMetricsFile(root, metricsText(history, paused));
    return undefined;
  } catch (error) {
    return `cannot write the metrics: ${errorMessage(error)}`;
  }
}

/**
 * Run once userspace is up (kexec-reboot-boot.service, or its init script):
 * completes the record of the reboot that led here (and of any boot before
 * this one that went down before it could), with the time userspace was up,
 * pauses kexec after a kexec boot that did not come up, and writes the
 * metrics. With PRELOAD=true it then loads the kernel for the next reboot,
 * in this process, after the pause is known: Node starts once a boot. A
 * failure is logged, never in the way of the boot.
 */
export async function completeThisBoot(root: SystemRoot, programs: Programs, log: Log): Promise<void> {
  try {
    if (!recordSettled(root, log, await readArrival(root, programs))) log('info', 'this boot is in the reboot history already');
  } catch (error) {
    log('warning', `cannot complete the reboot history: ${errorMessage(error)}`);
  }
  try {
    const assessment = await assess(root, programs);
    const { history } = assessment.rebootHistory;
    const metricsProblem = writeMetrics(root, history, pauseHolds(history.pause, assessment.kernelFile));
    if (metricsProblem) log('warning', metricsProblem);
    const preloaded = await preload(root, programs, assessment);
    if (preloaded.ran) logPreload(log, preloaded.outcome);
  } catch (error) {
    log('warning', `cannot write the metrics or preload: ${errorMessage(error)}`);
  }
}

/** The last `count` reboots, newest first, as the running boot knows them. */
export function rebootHistory(root: SystemRoot, count: number): HistoryReading & { readonly newestFirst: readonly RebootEntry[] } {
  const reading = readSettledHistory(root);
  return { ...reading, newestFirst: [...reading.history.reboots].reverse().slice(0, count) };
}

/**
 * Lifts the pause after a failed kexec boot, a pause the running boot may be
 * the first to find; says what was lifted, or that nothing was paused. The
 * metrics failing to follow is a warning: the pause is lifted.
 */
export function resumeKexec(root: SystemRoot, log: Log): { readonly said: string; readonly warning?: string } {
  const thisBoot = readThisBoot(root);
  const resumed = changeHistory(root, log, (history) => {
    const settled = settleChange(root, thisBoot)(history);
    const current = settled?.history ?? history;
    if (current.pause) return { history: resume(current), settled, lifted: current.pause };
    return settled && { history: current, settled, lifted: undefined };
  });
  if (resumed?.settled) reportSettled(root, log, resumed.settled, thisBoot);
  if (!resumed?.lifted) return { said: 'kexec is not paused' };
  // Nothing is paused once resumed.
  const warning = writeMetrics(root, resumed.history, false);
  return { said: `kexec resumed: it had been paused since ${resumed.lifted.since} because ${resumed.lifted.why}`, ...(warning ? { warning } : {}) };
}
