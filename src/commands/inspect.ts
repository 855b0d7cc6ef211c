// The commands that look and change nothing: status, config and check.
import type { ConfigDiagnostic, ConfigReading } from '../config/config.js';
import { readConfig } from '../config/read-config.js';
import type { Programs } from '../host/programs.js';
import type { SystemRoot } from '../host/system-root.js';
import { assess, planFreshLoad, type Assessment } from './assess.js';
import { kexecLoadCommand } from './by-hand.js';

export interface Status {
  readonly assessment: Assessment;
  /** The kexec command the shutdown would run; undefined when it would run none. */
  readonly kexecCommand: readonly string[] | undefined;
}

export async function status(root: SystemRoot, programs: Programs): Promise<Status> {
  const assessment = await assess(root, programs);
  const { plan } = assessment;
  const loads = plan.action === 'kexec' && plan.reason === 'configured';
  return { assessment, kexecCommand: loads ? kexecLoadCommand(root, programs, plan.load) : undefined };
}

/** The configuration after kexec.d snippets and defaults, each value with where it came from. */
export function effectiveConfig(root: SystemRoot): ConfigReading {
  return readConfig(root);
}

interface Diagnostics {
  readonly warnings: readonly ConfigDiagnostic[];
  readonly errors: readonly ConfigDiagnostic[];
}

/** ok: a kexec reboot is possible, or kexec is switched off on purpose. The summary is undefined when the errors say it all. */
export type CheckResult = Diagnostics & ({ readonly ok: true; readonly summary: string } | { readonly ok: false; readonly summary: string | undefined });

/** Judged as a load by hand would be: a kernel loaded already does not hide a broken configuration. */
export async function check(root: SystemRoot, programs: Programs): Promise<CheckResult> {
  const assessment = await assess(root, programs);
  const { warnings, errors } = assessment.reading;
  const fresh = planFreshLoad(assessment);
  if (errors.length > 0) return { warnings, errors, ok: false, summary: undefined };
  if (fresh.action === 'kexec') return { warnings, errors, ok: true, summary: 'configuration OK' };
  if (fresh.reason === 'disabled') return { warnings, errors, ok: true, summary: `configuration OK; ${fresh.why}: reboots go through firmware` };
  return { warnings, errors, ok: false, summary: fresh.why };
}
