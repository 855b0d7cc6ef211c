import { existsSync } from 'node:fs';
import type { SystemRoot } from './system-root.js';
import { SYSTEMD_RUNNING } from './paths.js';
import type { Programs } from './programs.js';
import { runProgram } from './run-program.js';

/** The verbs systemd-shutdown is started with, and that init scripts know by runlevel. */
export const SHUTDOWN_VERBS = ['reboot', 'kexec', 'poweroff', 'halt'] as const;
export type ShutdownVerb = (typeof SHUTDOWN_VERBS)[number];

const TARGET_VERB: Record<string, ShutdownVerb> = {
  'reboot.target': 'reboot',
  'ctrl-alt-del.target': 'reboot',
  'kexec.target': 'kexec',
  'poweroff.target': 'poweroff',
  'halt.target': 'halt',
};

/** Reads `systemctl list-jobs --no-legend --plain` ("ID UNIT TYPE STATE" lines) for the queued shutdown target. */
export function verbFromJobs(listJobs: string): ShutdownVerb | undefined {
  for (const line of listJobs.split('\n')) {
    const [, unit, type] = line.trim().split(/\s+/);
    const verb = unit === undefined ? undefined : TARGET_VERB[unit];
    if (verb && type === 'start') return verb;
  }
  return undefined;
}

/** systemd's answer: the verb of the queued shutdown (none queued: undefined), or why it cannot be told. */
export type VerbAnswer = { readonly verb: ShutdownVerb | undefined } | { readonly unknown: string };

/**
 * Asks systemd which shutdown is under way. The unit's ExecStop runs for every
 * shutdown; only the queued job tells a reboot from a poweroff.
 */
export async function detectShutdownVerb(root: SystemRoot, programs: Programs, timeoutMs: number): Promise<VerbAnswer> {
  if (!existsSync(root.path(SYSTEMD_RUNNING))) return { unknown: 'systemd is not running, and no --verb was given' };
  const result = await runProgram(programs.systemctl, ['list-jobs', '--no-legend', '--plain', '--no-pager'], { timeoutMs });
  if (result.exitCode === 0) return { verb: verbFromJobs(result.output) };
  if (result.timedOut) return { unknown: `systemctl list-jobs gave no answer in ${timeoutMs / 1000} s` };
  return { unknown: `systemctl list-jobs failed (${result.startError ?? `exit code ${result.exitCode}`}): ${result.output.trim().slice(0, 200)}` };
}
