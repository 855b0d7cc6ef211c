import { formatDiagnostic, type ConfigReading } from '../config/config.js';
import { SETTINGS } from '../config/settings.js';
import type { Assessment } from '../commands/assess.js';
import { pauseHolds, staleColdRequest } from '../plan/plan.js';
import { describeEntry } from '../history/describe.js';
import { historyJson, whenText } from './history-report.js';

/** The newest reboot in the history, completed or still to be. */
const lastReboot = ({ rebootHistory }: Assessment) => rebootHistory.history.reboots.at(-1);

/** A command line for people to read or paste; never run through a shell by us. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function nextReboot({ plan, loadRecord }: Assessment): string {
  if (plan.action === 'cold') return 'firmware reboot';
  if (plan.reason === 'already-loaded') return 'kexec into the kernel already loaded';
  // A 'preloaded' plan is made from the load record.
  if (plan.reason === 'preloaded') return `kexec into the kernel already loaded at ${loadRecord!.loadedAt}; it is checked against the plan again during shutdown`;
  return 'kexec (the kernel is loaded during shutdown)';
}

export function statusJson(assessment: Assessment, loadArgv: readonly string[] | undefined) {
  const { plan, target, system } = assessment;
  return {
    nextReboot: plan.action,
    reason: plan.reason,
    why: plan.why,
    warnings: plan.warnings,
    kernel: { path: target.kernel.value, origin: target.kernel.origin },
    initrds: { paths: target.initrds.value, origin: target.initrds.origin },
    cmdline: { value: target.cmdline.value, origin: target.cmdline.origin },
    kexecArgv: loadArgv ?? null,
    system: {
      kernelLoaded: system.kernelLoaded,
      kexecSupported: system.kexecSupported,
      kexecProgram: system.kexecProgram ?? null,
      // A stale /no-kexec-reboot asks for nothing: the plan's warnings say why.
      coldRequested: system.coldRequestedBy !== undefined && !staleColdRequest(system),
      coldRequestedBy: system.coldRequestedBy ?? null,
      lockdown: system.lockdown,
    },
    kexecCall: describeCall(assessment) ?? null,
    lastReboot: historyJson([lastReboot(assessment)].filter((entry) => entry !== undefined))[0] ?? null,
    // A pause another kernel made irrelevant is in the history, not in the way.
    paused: pauseHolds(assessment.rebootHistory.history.pause, assessment.kernelFile) ? assessment.rebootHistory.history.pause : null,
    kernelSignature: describeSignature(assessment) ?? null,
    loaded: assessment.system.kernelLoaded
      ? { byKexecReboot: Boolean(assessment.loadRecord), loadedAt: assessment.loadRecord?.loadedAt ?? null, matchesPlan: plan.action === 'kexec' && plan.reason === 'preloaded' }
      : null,
  };
}

/**
 * Which kexec call loads (or loaded) the kernel, and why that one: the load
 * record says for a kernel we loaded; a load still to come tries the file
 * call first (kexec-runner.ts).
 */
function describeCall({ plan, system, loadRecord }: Assessment): string | undefined {
  if (plan.action !== 'kexec') return undefined;
  if (plan.reason === 'preloaded') {
    return `${loadRecord?.syscall ?? 'not recorded'} (as recorded at the load)`;
  }
  if (plan.reason === 'already-loaded') return undefined;
  return system.lockdown === 'none'
    ? 'kexec_file_load (kexec -s); kexec_load (kexec -c) only if kexec says the kernel cannot take the file call'
    : 'kexec_file_load (kexec -s) only: a locked-down kernel refuses kexec_load';
}

/** Who signed the kernel image, as read under lockdown (the only time it is read). */
function describeSignature({ kernelSignature }: Assessment): string | undefined {
  if (!kernelSignature) return undefined;
  if ('signer' in kernelSignature) return `yes, by ${kernelSignature.signer} (whether the running kernel trusts that key, it decides at load)`;
  if ('unsigned' in kernelSignature) return `no: ${kernelSignature.unsigned}`;
  return `unknown: ${kernelSignature.unusable}`;
}

function loadedNow({ system, loadRecord, plan }: Assessment): string {
  if (!system.kernelLoaded) return 'no kernel loaded now';
  if (!loadRecord) return 'yes, by hand (not by kexec-reboot)';
  if (!loadRecord.fingerprint) return `yes, but the load kexec-reboot started at ${loadRecord.loadedAt} did not finish; it is loaded again at reboot`;
  const matches = plan.action === 'kexec' && plan.reason === 'preloaded';
  return `yes, by kexec-reboot at ${loadRecord.loadedAt}; ${matches ? 'it still matches the plan' : 'it no longer matches the plan and is loaded again at reboot'}`;
}

/** The initrds in load order: a unified image's own sections first. */
function initrdText({ target }: Assessment): string {
  const own = target.unified?.initrds.length ? [`${target.unified.initrds.length} section(s) of ${target.kernel.value}`] : [];
  return [...own, ...target.initrds.value].join(' + ') || 'none';
}

export function statusText(assessment: Assessment): string {
  const { plan, target, system } = assessment;
  const row = (label: string, value: string, origin?: string) => `  ${label.padEnd(8)} ${value}${origin ? `\n  ${''.padEnd(8)} from ${origin}` : ''}`;
  const lines = [
    `Next reboot: ${nextReboot(assessment)}`,
    row('why', plan.why),
    row('kernel', target.kernel.value, target.kernel.origin),
    row('initrd', initrdText(assessment), target.initrds.origin),
    row('cmdline', target.cmdline.value || '(empty)', target.cmdline.origin),
    row('loaded', loadedNow(assessment)),
  ];
  const last = lastReboot(assessment);
  lines.push(row('last', last ? `${whenText(last)}: ${describeEntry(last)}` : 'no reboot recorded yet'));
  const call = describeCall(assessment);
  if (call) lines.push(row('call', call));
  if (system.lockdown !== 'none') lines.push(row('lockdown', `${system.lockdown}: only kernels signed with a key the running kernel trusts load`));
  const signature = describeSignature(assessment);
  if (signature) lines.push(row('signed', signature));
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  if (assessment.rebootHistory.problem) lines.push(`warning: ${assessment.rebootHistory.problem}`);
  return lines.join('\n') + '\n';
}

export function configJson(reading: ConfigReading) {
  return {
    files: reading.files,
    values: Object.fromEntries(SETTINGS.map(({ name, field }) => [name, reading.config[field]])),
    errors: reading.errors.map(formatDiagnostic),
    warnings: reading.warnings.map(formatDiagnostic),
  };
}

export function configText(reading: ConfigReading): string {
  const lines = SETTINGS.map(({ name, field }) => {
    const { value, origin } = reading.config[field];
    return `${name}=${shellQuote([String(value)])}  # ${origin}`;
  });
  for (const error of reading.errors) lines.push(`error: ${formatDiagnostic(error)}`);
  for (const warning of reading.warnings) lines.push(`warning: ${formatDiagnostic(warning)}`);
  return lines.join('\n') + '\n';
}
