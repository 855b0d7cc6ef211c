/**
 * Reads /etc/default/kexec and /etc/default/kexec.d/* the way the boot scripts
 * source them into one /bin/sh, without running a shell (see shell-fragment.ts).
 * This is the only module here that touches the file system, each file
 * through the safe reader (system/read-file.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import type { SystemRoot } from '../host/system-root.js';
import { DEFAULT_CONFIG, type ConfigDiagnostic, type ConfigReading, type KexecConfig, type Sourced } from './config.js';
import { readProcCmdline } from '../host/facts.js';
import { describeFsError, errorCode, MAX_BYTES, readTrustedTextFile, type Unread } from '../host/read-file.js';
import { evaluateShellFragment } from './shell-fragment.js';

export const CONFIG_FILE = '/etc/default/kexec';
export const SNIPPET_DIR = '/etc/default/kexec.d';

/** Names run-parts --list accepts (without --lsbsysinit); anything else is skipped. */
const RUN_PARTS_NAME = /^[A-Za-z0-9_-]+$/;

const KNOWN_SETTINGS = new Set(['LOAD_KEXEC', 'USE_KEXEC', 'KERNEL_IMAGE', 'INITRD', 'APPEND', 'USE_GRUB_CONFIG', 'PRELOAD']);

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
    config: interpretSettings(reading.settings, errors),
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

function interpretSettings(settings: ReadonlyMap<string, ShellSetting>, errors: ConfigDiagnostic[]): KexecConfig {
  // USE_KEXEC is the old name of LOAD_KEXEC; when both are set the current name wins.
  const loadKexecName = settings.has('LOAD_KEXEC') || !settings.has('USE_KEXEC') ? 'LOAD_KEXEC' : 'USE_KEXEC';
  return {
    loadKexec: booleanSetting(settings, loadKexecName, DEFAULT_CONFIG.loadKexec, errors),
    kernelImage: kernelImageSetting(settings, errors),
    initrd: stringSetting(settings, 'INITRD', DEFAULT_CONFIG.initrd),
    append: stringSetting(settings, 'APPEND', DEFAULT_CONFIG.append),
    useGrubConfig: booleanSetting(settings, 'USE_GRUB_CONFIG', DEFAULT_CONFIG.useGrubConfig, errors),
    preload: booleanSetting(settings, 'PRELOAD', DEFAULT_CONFIG.preload, errors),
  };
}

const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['yes', true],
  ['1', true],
  ['false', false],
  ['no', false],
  ['0', false],
]);

function booleanSetting(
  settings: ReadonlyMap<string, ShellSetting>,
  name: string,
  fallback: Sourced<boolean>,
  errors: ConfigDiagnostic[],
): Sourced<boolean> {
  const setting = settings.get(name);
  if (setting === undefined) return fallback;
  const value = BOOLEAN_WORDS.get(setting.value.toLowerCase());
  if (value !== undefined) return { value, origin: originOf(setting) };
  errors.push({
    file: setting.file,
    line: setting.line,
    message: `${name}=${JSON.stringify(setting.value)}: expected true or false (or yes/no, 1/0)`,
  });
  return fallback;
}

function kernelImageSetting(settings: ReadonlyMap<string, ShellSetting>, errors: ConfigDiagnostic[]): Sourced<string> {
  const setting = settings.get('KERNEL_IMAGE');
  if (setting?.value === '') {
    errors.push({ file: setting.file, line: setting.line, message: 'KERNEL_IMAGE is empty: no kernel to load' });
    return DEFAULT_CONFIG.kernelImage;
  }
  return stringSetting(settings, 'KERNEL_IMAGE', DEFAULT_CONFIG.kernelImage);
}

function stringSetting(settings: ReadonlyMap<string, ShellSetting>, name: string, fallback: Sourced<string>): Sourced<string> {
  const setting = settings.get(name);
  return setting === undefined ? fallback : { value: setting.value, origin: originOf(setting) };
}

function originOf(setting: ShellSetting): string {
  return `${setting.file}:${setting.line}`;
}

/** One warning per unknown variable, at its last assignment. */
function unknownSettingWarnings(settings: ReadonlyMap<string, ShellSetting>): ConfigDiagnostic[] {
  return [...settings]
    .filter(([name]) => !KNOWN_SETTINGS.has(name))
    .map(([name, { file, line }]) => ({ file, line, message: `unknown setting ${name}, ignored` }));
}
