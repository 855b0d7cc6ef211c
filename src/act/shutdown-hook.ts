import { assess } from '../pipeline.js';
import type { Log } from '../log.js';
import type { SystemRoot } from '../system-root.js';
import type { Programs } from '../system/programs.js';
import { detectShutdownVerb, type ShutdownVerb } from '../system/shutdown-verb.js';
import { isKernelLoaded } from '../system/facts.js';
import { readLoadRecord } from '../system/load-record.js';
import { carryOut, describeOutcome } from './carry-out.js';
import { consumeKexecToolsColdFlag } from './coldreboot.js';
import { clearOneShot } from './one-shot.js';
import { createKexecRunner } from './kexec-runner.js';

export interface HookLimits {
  /** The whole hook, every kexec call included; kept under the unit's TimeoutStopSec. */
  readonly totalMs: number;
  /** One kexec call. */
  readonly callMs: number;
}

/**
 * On hardware a load takes well under a second; under emulation it has taken
 * 16 s. The total counts from the process's start and stays well inside the
 * unit's TimeoutStopSec=45, so the hook always gets to say what happened.
 */
export const DEFAULT_HOOK_LIMITS: HookLimits = { totalMs: 30_000, callMs: 25_000 };

/** After the init system's SIGTERM, SIGKILL follows: a short unload only. */
const TERM_UNLOAD_MS = 2_000;

/**
 * Runs while the machine goes down: loads the planned kernel when, and only
 * when, this is a reboot. It logs one line per decision and never throws: a
 * failure here must only ever turn a kexec into a normal firmware reboot.
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
  // Should the init system stop us anyway, the reason must still reach the log,
  // and a load cut short must not stay behind for the final `kexec -e`.
  const onTerm = () => {
    log('err', 'reboot through firmware: stopped by the init system before the kernel was loaded');
    const unfinished = readLoadRecord(root)?.fingerprint === undefined && isKernelLoaded(root);
    const cleanUp = unfinished ? createKexecRunner({ root, kexec: programs.kexec, callTimeoutMs: TERM_UNLOAD_MS }).unload() : Promise.resolve();
    void cleanUp.finally(() => process.exit(0));
  };
  process.once('SIGTERM', onTerm);
  try {
    const verb = givenVerb ?? (await detectShutdownVerb(root, programs, Math.min(5_000, limits.totalMs)));
    if (verb !== 'reboot' && verb !== 'kexec') {
      log('info', verb ? `${verb}: no kexec` : 'not a reboot (no reboot job queued): no kexec');
      return;
    }
    const assessment = await assess(root, programs);
    for (const warning of assessment.plan.warnings) log('warning', warning);
    const runner = createKexecRunner({ root, kexec: programs.kexec, callTimeoutMs: limits.callMs, deadline });
    const outcome = await carryOut(assessment.plan, runner, assessment.system.kernelLoaded);
    log(outcome.path === 'kexec' ? 'notice' : 'warning', describeOutcome(outcome));
    const kexecToolsFlag = consumeKexecToolsColdFlag(root);
    if (kexecToolsFlag) log(kexecToolsFlag.ok ? 'info' : 'warning', kexecToolsFlag.detail);
    const { oneShot } = assessment.target;
    if (outcome.path === 'kexec' && oneShot) {
      const cleared = await clearOneShot(root, programs, oneShot);
      log(cleared.ok ? 'info' : 'warning', cleared.detail);
    }
  } catch (error) {
    log('err', `reboot through firmware: unexpected error: ${(error as Error).message}`);
  } finally {
    process.removeListener('SIGTERM', onTerm);
  }
}
