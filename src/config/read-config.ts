/**
 * Reads /etc/default/kexec and /etc/default/kexec.d/* the way the boot scripts
 * source them into one /bin/sh, without running a shell (see shell-fragment.ts).
 * This is the only module here that touches the file system, each file
 * through the safe reader (host/read-file.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import type { SystemRoot } from '../host/system-root.js';
import { configOf, DEFAULT_CONFIG, type ConfigDiagnostic, type ConfigReading, type Sourced } from './config.js';
import { readProcCmdline } from '../host/facts.js';
import { describeFsError, errorCode, MAX_BYTES, readTrustedTextFile, type Unread } from '../host/read-file.js';
import { evaluateShellFragment } from './shell-fragment.js';
import { SETTINGS, type SettingRow } from './settings.js';
import { isUnusable } from '../unusable.js';

const CONFIG_FILE = '/etc/default/kexec';
const SNIPPET_DIR = '/etc/default/kexec.d';

/** Names run-parts --list accepts (without --lsbsysinit); anything else is skipped. */
const RUN_PARTS_NAME = /^[A-Za-z0-9_-]+$/;

const KNOWN_NAMES: ReadonlySet<string> = new Set(SETTINGS.flatMap((row) => (row.formerName === undefined ? [row.name] : [row.name, row.formerName])));

/** The last value a shell variable was given, and where. */
export interface ShellSetting {
  readonly value: string;
  /** System path of the file, e.g. /etc/default/kexec.d/10-serial. */
  readonly file: string;
  readonly line: number;
}

/** Every variable the configuration files set, before interpretation. */
export interface SettingsReading {
  readonly settings: ReadonlyMap<string, ShellSetting>;
  readonly files: readonly string[];
  readonly errors: readonly ConfigDiagnostic[];
  readonly warnings: readonly ConfigDiagnostic[];
}

/** The effective configuration: defaults for whatever is absent or could not be read. */
export function readConfig(root: SystemRoot): ConfigReading {
  const reading = readSettings(root);
  const errors = [...reading.errors];
  return {
    config: configOf((row) => interpretSetting(row, reading.settings, errors)),
    files: reading.files,
    errors,
    warnings: [...reading.warnings, ...unknownSettingWarnings(reading.settings)],
  };
}

/**
 * Sources the configuration files in order into one set of variables, as
 * `. /etc/default/kexec; for f in $(run-parts --list /etc/default/kexec.d); do . $f; done`
 * would.
 */
export function readSettings(root: SystemRoot): SettingsReading {
  const errors: ConfigDiagnostic[] = [];
  const warnings: ConfigDiagnostic[] = [];
  const files: string[] = [];
  const settings = new Map<string, ShellSetting>();
  const variables = new Map<string, string>();
  const runningCmdline = procCmdlineReader(root);

  for (const file of [CONFIG_FILE, ...listSnippets(root, errors, warnings)]) {
    const read = readTrustedTextFile(root, file, MAX_BYTES.config);
    if (read.kind === 'missing' && file === CONFIG_FILE) continue;
    if (read.kind !== 'text') {
      errors.push({ file, line: read.kind === 'error' ? read.line : undefined, message: describeUnread(read) });
      continue;
    }
    files.push(file);
    const evaluation = evaluateShellFragment(withoutBom(read.text), { variables, readProcCmdline: runningCmdline });
    for (const { name, value, line } of evaluation.assignments) {
      variables.set(name, value);
      settings.set(name, { value, file, line });
    }
    if (evaluation.error) errors.push({ file, ...evaluation.error });
  }
  return { settings, files, errors, warnings };
}

// --- which files ------------------------------------------------------------

/** The snippets' system paths in run-parts --list order; a missing directory has none. */
function listSnippets(root: SystemRoot, errors: ConfigDiagnostic[], warnings: ConfigDiagnostic[]): string[] {
  let names: string[];
  try {
    names = readdirSync(root.path(SNIPPET_DIR));
  } catch (e) {
    if (errorCode(e) !== 'ENOENT') errors.push({ file: SNIPPET_DIR, message: `cannot list: ${describeFsError(e)}` });
    return [];
  }
  const snippets: string[] = [];
  // run-parts sorts in the C locale: byte order, which is code unit order for the ASCII names it accepts.
  for (const name of names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const file = `${SNIPPET_DIR}/${name}`;
    if (!RUN_PARTS_NAME.test(name)) {
      warnings.push({ file, message: 'ignored: run-parts only uses names made of letters, digits, _ and -' });
    } else if (isDirectory(root.path(file))) {
      warnings.push({ file, message: 'ignored: a directory, as run-parts does' });
    } else {
      snippets.push(file);
    }
  }
  return snippets;
}

function isDirectory(hostPath: string): boolean {
  try {
    return statSync(hostPath).isDirectory();
  } catch {
    return false; // reading it will report the problem
  }
}

/** A file saved on Windows may start with a byte order mark, which no one means as part of a setting. */
function withoutBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** A snippet listed a moment ago can be gone by the time it is read. */
function describeUnread(read: Unread): string {
  if (read.kind === 'missing') return 'vanished while being read';
  return read.kind === 'untrusted' ? read.reason : read.message;
}

/** /proc/cmdline for `$(cat /proc/cmdline)`, read at most once per configuration reading. */
function procCmdlineReader(root: SystemRoot): () => string | undefined {
  let cached: ReturnType<typeof readProcCmdline> | undefined;
  return () => {
    cached ??= readProcCmdline(root);
    return cached.kind === 'text' ? cached.text : undefined;
  };
}

// --- meaning of the settings ------------------------------------------------

/** The row's value from the files; its default when it is not set, or set to what it cannot use (an error). */
function interpretSetting(row: SettingRow, settings: ReadonlyMap<string, ShellSetting>, errors: ConfigDiagnostic[]): Sourced<boolean | string> {
  // A former name counts only without the current one: when both are set the current name wins.
  const name = !settings.has(row.name) && row.formerName !== undefined && settings.has(row.formerName) ? row.formerName : row.name;
  const setting = settings.get(name);
  if (setting === undefined) return DEFAULT_CONFIG[row.field];
  const parsed = row.parse(setting.value, name);
  if (isUnusable(parsed)) {
    errors.push({ file: setting.file, line: setting.line, message: parsed.unusable });
    return DEFAULT_CONFIG[row.field];
  }
  return { value: parsed.value, origin: originOf(setting) };
}

function originOf(setting: ShellSetting): string {
  return `${setting.file}:${setting.line}`;
}

/** One warning per unknown variable, at its last assignment. */
function unknownSettingWarnings(settings: ReadonlyMap<string, ShellSetting>): ConfigDiagnostic[] {
  return [...settings]
    .filter(([name]) => !KNOWN_NAMES.has(name))
    .map(([name, { file, line }]) => ({ file, line, message: `unknown setting ${name}, ignored` }));
}
