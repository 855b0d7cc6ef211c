import { existsSync, rmSync } from 'node:fs';
import type { Log } from '../log.js';
import type { SystemRoot } from '../system-root.js';
import { isKernelLoaded } from '../system/facts.js';
import { COLD_FLAG, KEXEC_TOOLS_COLD_FLAG } from '../system/paths.js';
import type { Programs } from '../system/programs.js';
import { runProgram } from '../system/run-program.js';
import { writeStateFile } from '../system/state-dir.js';
import { createKexecRunner } from './kexec-runner.js';

const UNLOAD_TIMEOUT_MS = 10_000;
/** reboot(8) only queues the reboot and returns; a minute covers a slow D-Bus at worst. */
const REBOOT_TIMEOUT_MS = 60_000;

/**
 * A reboot through firmware, whatever is loaded: the flag stops our shutdown
 * hook from loading a kernel, the unload undoes a `kexec -l` made by hand, and
 * SYSTEMCTL_SKIP_AUTO_KEXEC stops systemd (255+) from turning the request into
 * a kexec. The flag lives in /run, so it cannot outlive this boot. Returns the
 * exit code.
 */
export async function coldReboot(root: SystemRoot, programs: Programs, rebootArgs: readonly string[], log: Log): Promise<number> {
  try {
    writeStateFile(root, COLD_FLAG, `${new Date().toISOString()}\n`);
  } catch (error) {
    log('err', `cannot mark this boot for a cold reboot (${(error as Error).message}); not rebooting. Are you root?`);
    return 1;
  }
  if (isKernelLoaded(root)) {
    const runner = createKexecRunner({ root, kexec: programs.kexec, callTimeoutMs: UNLOAD_TIMEOUT_MS });
    const unloaded = await runner.unload();
    if (!unloaded.ok) log('warning', `the kernel loaded for kexec could not be unloaded (${unloaded.detail}); the reboot may still kexec`);
  }
  const result = await runProgram(programs.reboot, rebootArgs, {
    timeoutMs: REBOOT_TIMEOUT_MS,
    stdio: 'inherit',
    env: { SYSTEMCTL_SKIP_AUTO_KEXEC: '1' },
  });
  if (result.exitCode !== 0) {
    // The reboot did not happen: a flag left behind would make a later, plain reboot cold by surprise.
    rmSync(root.path(COLD_FLAG), { force: true });
    const why = result.startError ?? (result.timedOut ? 'it did not return in time' : `exit code ${result.exitCode}`);
    log('err', `${programs.reboot} failed (${why})`);
    return result.exitCode || 1;
  }
  return 0;
}

/**
 * kexec-tools' /no-kexec-reboot asks for one firmware restart but lives on the
 * root filesystem: the reboot that honours it removes it, as kexec-tools' init
 * script did, or every later reboot would go through firmware too. Returns
 * what to log, or undefined when there was no such file.
 */
export function consumeKexecToolsColdFlag(root: SystemRoot): { ok: boolean; detail: string } | undefined {
  if (!existsSync(root.path(KEXEC_TOOLS_COLD_FLAG))) return undefined;
  try {
    rmSync(root.path(KEXEC_TOOLS_COLD_FLAG), { force: true });
    return { ok: true, detail: `removed ${KEXEC_TOOLS_COLD_FLAG}: it asked for this reboot only` };
  } catch (error) {
    return { ok: false, detail: `cannot remove ${KEXEC_TOOLS_COLD_FLAG} (${(error as Error).message}): later reboots will go through firmware too until it is removed` };
  }
}
