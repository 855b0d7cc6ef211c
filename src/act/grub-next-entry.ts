import type { SystemRoot } from '../system-root.js';
import { runProgram } from '../system/run-program.js';
import type { RunOutcome } from './kexec-runner.js';

const EDITENV_TIMEOUT_MS = 5_000;

/**
 * GRUB clears a grub-reboot one-shot (`next_entry`) when it boots it. A kexec
 * skips GRUB, so once the entry is about to be booted by kexec we clear it as
 * GRUB would have; otherwise the next firmware boot would take it again.
 */
export async function clearGrubNextEntry(root: SystemRoot, grubEditenv: string, grubenv: string): Promise<RunOutcome> {
  const result = await runProgram(grubEditenv, [root.path(grubenv), 'unset', 'next_entry'], { timeoutMs: EDITENV_TIMEOUT_MS });
  return result.exitCode === 0
    ? { ok: true, detail: `cleared the grub-reboot one-shot (next_entry) in ${grubenv}, as GRUB would have` }
    : { ok: false, detail: `could not clear next_entry in ${grubenv}: ${result.startError ?? (result.output || `exit code ${result.exitCode}`)}` };
}
