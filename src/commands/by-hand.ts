import { createKexecRunner, type KexecRunner } from '../act/kexec-runner.js';
import type { LoadSpec } from '../plan/plan.js';
import type { Programs } from '../host/programs.js';
import type { SystemRoot } from '../host/system-root.js';

/** A load by hand may take seconds under emulation; nobody is waiting on a shutdown here. */
const CALL_TIMEOUT_MS = 60_000;

/** kexec as the commands people run use it, outside any shutdown's deadline. */
export function kexecByHand(root: SystemRoot, programs: Programs): KexecRunner {
  return createKexecRunner({ root, kexec: programs.kexec, callTimeoutMs: CALL_TIMEOUT_MS });
}

/** The exact command a load runs, kexec itself first: what status --json and load --dry-run show. */
export function kexecLoadCommand(root: SystemRoot, programs: Programs, load: LoadSpec): readonly string[] {
  return [programs.kexec, ...kexecByHand(root, programs).loadArgv(load)];
}
