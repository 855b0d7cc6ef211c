import { assess } from './assess.js';
import type { Log } from '../host/log.js';
import { describeOurKernel, whoseKernel } from '../plan/loaded-kernel.js';
import { matchesPlan, staleColdRequest, type Plan } from '../plan/plan.js';
import type { SystemRoot } from '../host/system-root.js';
import type { Programs } from '../host/programs.js';
import { detectShutdownVerb, type ShutdownVerb } from '../host/shutdown-verb.js';
import { isKernelLoaded } from '../host/facts.js';
import { readLoadRecord } from '../host/load-record.js';
import { carryOut, describeOutcome, type Outcome } from '../act/carry-out.js';
import { consumeKexecToolsColdFlag } from '../act/kexec-tools-cold-flag.js';
import { settleFinalStep } from '../act/final-step.js';
import { clearOneShot } from '../act/one-shot.js';
import { createKexecRunner, type KexecRunner } from '../act/kexec-runner.js';
import { readBootId, readThisBoot, shutdownStartedAt } from '../host/this-boot.js';
import { addRequest } from '../history/reboots.js';
import { changeHistory, recordSettled } from './settle.js';
import { rebootRequest, type RequestFacts } from '../history/request.js';

export interface HookLimits {
  /** The whole hook, every kexec call included; kept under the unit's TimeoutStopSec. */
  readonly totalMs: number;
  /** One kexec call. */
  readonly callMs: number;
}

/**
 * On hardware the whole hook takes well under a second. Under emulation (the
 * VM suite's TCG guests, two on two cores) it has taken up to 43.5 s, 30 s of
 * it CPU (Node's start alone about 7 s), in a first boot. The total counts
 * from the process's start and ends 10 s before the unit's TimeoutStopSec=90
 * (systemd's default stop timeout), so the hook always gets to say what
 * happened; a hung kexec is still cut off after 25 s.
 */
const DEFAULT_HOOK_LIMITS: HookLimits = { totalMs: 80_000, callMs: 25_000 };

/** Asking systemd which shutdown is under way; a slow answer must leave time for the load. */
const VERB_QUERY_MS = 10_000;

/**
 * The unload after a SIGTERM (SIGKILL follows) or an error: short, and
 * outside the hook's deadline, which may be what has just run out.
 */
const CLEAN_UP_UNLOAD_MS = 2_000;

/**
 * What the final kexec -e will find once the hook stopped part way, made
 * safe: a kernel loaded by hand is the admin's and stays, as planReboot says;
 * one of ours stays only when it is what the plan would load now. Never throws.
 */
async function settleLoadedKernel(root: SystemRoot, runner: KexecRunner, plan: Plan | undefined, stoppedBy: string): Promise<Outcome> {
  const loaded = whoseKernel(isKernelLoaded(root), readLoadRecord(root));
  if (loaded.by === 'nobody') return { path: 'firmware', message: `${stoppedBy}; no kernel is loaded` };
  if (loaded.by === 'hand') return { path: 'kexec', message: `${stoppedBy}; the kernel loaded by hand stays loaded` };
  const kernel = describeOurKernel(loaded.record);
  if (matchesPlan(loaded.record, plan)) return { path: 'kexec', message: `${stoppedBy}; ${kernel} is what the plan names and stays loaded` };
  const unloaded = await runner.unload().catch((error: unknown) => ({ ok: false, detail: errorMessage(error) }));
  return unloaded.ok
    ? { path: 'firmware', message: `${stoppedBy}; unloaded ${kernel}: it was not verified against the plan` }
    : { path: 'kexec', message: `${stoppedBy}; ${kernel} was not verified against the plan and could not be unloaded: ${unloaded.detail}`, unverifiedKernelLoaded: true };
}

/**
 * Completes the reboot that led to this boot, if nothing did yet, at every
 * shutdown: a boot that goes down before kexec-reboot-boot ran is so still
 * known to have come up, and the firmware boot after a failed kexec pauses
 * kexec before this hook plans. The shutdown goes on without it.
 */
function settleThisBoot(root: SystemRoot, log: Log): void {
  try {
    recordSettled(root, log, readThisBoot(root));
  } catch (error) {
    log('warning', `cannot complete the reboot history: ${errorMessage(error)}`);
  }
}

/** Leaves the record the next boot completes; a reboot goes on without it. */
function recordReboot(root: SystemRoot, log: Log, facts: RequestFacts): void {
  try {
    changeHistory(root, log, (history) => ({ history: addRequest(history, rebootRequest(facts)) }));
  } catch (error) {
    log('warning', `cannot record this reboot in the history: ${errorMessage(error)}`);
  }
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs while the machine goes down: loads the planned kernel when, and only
 * when, this is a reboot. It logs one line per decision and never throws: a
 * failure here may only ever turn a kexec into a normal firmware reboot, or
 * leave a kernel that the plan names or that was loaded by hand.
 */
export async function runShutdownHook(
  root: SystemRoot,
  programs: Programs,
  log: Log,
  givenVerb: ShutdownVerb | undefined,
  limits: HookLimits = DEFAULT_HOOK_LIMITS,
  // Node's own start-up counts too: under load it has taken seconds.
  startedAt = Date.now() - process.uptime() * 1000,
): Promise<void> {
  const deadline = startedAt + limits.totalMs;
  // Known once assessed: what a kernel of ours must match to stay loaded should the hook stop part way.
  let plan: Plan | undefined;
  // Stopped by the init system or by an error, the hook must still say how the
  // reboot ends, and make it end that way.
  const cleanUpRunner = createKexecRunner({ root, kexec: programs.kexec, callTimeoutMs: CLEAN_UP_UNLOAD_MS });
  const settle = async (stoppedBy: string) => log('err', describeOutcome(settleFinalStep(root, await settleLoadedKernel(root, cleanUpRunner, plan, stoppedBy))));
  const onTerm = () => void settle('stopped by the init system').finally(() => process.exit(0));
  process.once('SIGTERM', onTerm);
  try {
    settleThisBoot(root, log);
    const runner = createKexecRunner({ root, kexec: programs.kexec, callTimeoutMs: limits.callMs, deadline });
    const answer = givenVerb ? { verb: givenVerb } : await detectShutdownVerb(root, programs, Math.min(VERB_QUERY_MS, limits.totalMs));
    if ('unknown' in answer) {
      // Perhaps a reboot, with nothing checked: only a kernel loaded by hand may stay.
      const outcome = await settleLoadedKernel(root, runner, undefined, `cannot tell whether this is a reboot (${answer.unknown})`);
      log('warning', describeOutcome(settleFinalStep(root, outcome)));
      return;
    }
    const { verb } = answer;
    if (verb !== 'reboot' && verb !== 'kexec') {
      log('info', verb ? `${verb}: no kexec` : 'not a reboot (no reboot job queued): no kexec');
      return;
    }
    // Asked now, answered while the kernel loads.
    const requested = shutdownStartedAt(root, programs, startedAt).catch((error: unknown) => ({
      at: new Date(startedAt).toISOString(),
      from: 'hook' as const,
      whyNotSystemd: errorMessage(error),
    }));
    const assessment = await assess(root, programs);
    plan = assessment.plan;
    for (const warning of assessment.plan.warnings) log('warning', warning);
    const outcome = settleFinalStep(root, await carryOut(assessment.plan, runner, assessment.system.kernelLoaded));
    log(outcome.path === 'kexec' ? 'notice' : 'warning', describeOutcome(outcome));
    const { whyNotSystemd, ...requestedAt } = await requested;
    // systemd 257 forgets a stopped target's times (all 0 by then): there the hook's start is the rule, not news.
    if (whyNotSystemd) log('debug', `reboot history: counting from the hook's start, not systemd's (${whyNotSystemd})`);
    recordReboot(root, log, { bootId: readBootId(root), requested: requestedAt, verb, plan, outcome, loadRecord: readLoadRecord(root) });
    const kexecToolsFlag = consumeKexecToolsColdFlag(root, staleColdRequest(assessment.system));
    if (kexecToolsFlag) log(kexecToolsFlag.ok ? 'info' : 'warning', kexecToolsFlag.detail);
    const { oneShot } = assessment.target;
    if (outcome.path === 'kexec' && oneShot) {
      const cleared = await clearOneShot(root, programs, oneShot);
      log(cleared.ok ? 'info' : 'warning', cleared.detail);
    }
  } catch (error) {
    log('debug', error instanceof Error && error.stack ? error.stack : String(error));
    await settle(`unexpected error: ${errorMessage(error)}`);
  } finally {
    process.removeListener('SIGTERM', onTerm);
  }
}
