/**
 * Reads /etc/default/kexec and /etc/default/kexec.d/* the way the boot scripts
 * source them into one /bin/sh, without running a shell (see shell-fragment.ts).
 * This is the only module here that touches the file system.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { SystemRoot } from '../system-root.js';
import { DEFAULT_CONFIG, type ConfigDiagnostic, type ConfigReading, type KexecConfig, type Sourced } from './config.js';
import { untrustedBecause } from '../system/trust.js';
import { evaluateShellFragment } from './shell-fragment.js';

export const CONFIG_FILE = '/etc/default/kexec';
export const SNIPPET_DIR = '/etc/default/kexec.d';

/** Larger files are refused unread: a configuration file is a few hundred bytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

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
  const readProcCmdline = procCmdlineReader(root);

  for (const file of [CONFIG_FILE, ...listSnippets(root, errors, warnings)]) {
    const read = readTextFile(root.path(file));
    if (read.kind === 'missing' && file === CONFIG_FILE) continue;
    if (read.kind !== 'text') {
      errors.push({ file, line: read.kind === 'error' ? read.line : undefined, message: describeUnread(read) });
      continue;
    }
    const untrusted = untrustedBecause(read.stats, file);
    if (untrusted) {
      errors.push({ file, message: untrusted });
      continue;
    }
    files.push(file);
    const evaluation = evaluateShellFragment(read.text, { variables, readProcCmdline });
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

// --- reading one file -------------------------------------------------------

type FileRead =
  | { readonly kind: 'text'; readonly text: string; readonly stats: Stats }
  | { readonly kind: 'missing' }
  | { readonly kind: 'error'; readonly message: string; readonly line?: number };

/**
 * Reads a configuration file without ever blocking or reading without bound:
 * only a regular file is opened (opening a device can have effects: a
 * watchdog starts counting), O_NONBLOCK and fstat guard against it being
 * swapped for a FIFO in between, and at most MAX_CONFIG_BYTES are read.
 */
function readTextFile(hostPath: string): FileRead {
  let fd: number;
  try {
    const stats = statSync(hostPath);
    if (!stats.isFile()) return notRegularFile(stats);
    fd = openSync(hostPath, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return describeOpenFailure(hostPath, e);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return notRegularFile(stats);
    const bytes = readAtMost(fd, MAX_CONFIG_BYTES + 1, stats.size);
    if (bytes.length > MAX_CONFIG_BYTES) {
      return { kind: 'error', message: `larger than ${MAX_CONFIG_BYTES} bytes (1 MiB); not read` };
    }
    const decoded = decodeText(bytes);
    return decoded.kind === 'text' ? { ...decoded, stats } : decoded;
  } catch (e) {
    return { kind: 'error', message: `cannot read: ${describeFsError(e)}` };
  } finally {
    closeSync(fd);
  }
}

function notRegularFile(stats: Stats): FileRead {
  return { kind: 'error', message: `not a regular file (${describeFileType(stats)})` };
}

/**
 * Reads to the end, or to `limit` bytes. The size fstat gave only sizes the
 * first buffer: files under /proc say 0 and still have contents.
 */
function readAtMost(fd: number, limit: number, sizeHint: number): Buffer {
  let buffer = Buffer.allocUnsafe(Math.min(limit, Math.max(sizeHint + 1, 4096)));
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      if (buffer.length === limit) break;
      const bigger = Buffer.allocUnsafe(Math.min(limit, buffer.length * 2));
      buffer.copy(bigger, 0, 0, filled);
      buffer = bigger;
    }
    const n = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (n === 0) break;
    filled += n;
  }
  return buffer.subarray(0, filled);
}

/** ENOENT is "no file" unless a symlink is there, pointing nowhere. */
function describeOpenFailure(hostPath: string, e: unknown): FileRead {
  if (errorCode(e) === 'ENOENT') {
    const target = symlinkTarget(hostPath);
    return target === undefined
      ? { kind: 'missing' }
      : { kind: 'error', message: `dangling symlink (to ${target})` };
  }
  if (errorCode(e) === 'ELOOP') return { kind: 'error', message: 'cannot open: symlink loop' };
  return { kind: 'error', message: `cannot open: ${describeFsError(e)}` };
}

function symlinkTarget(hostPath: string): string | undefined {
  try {
    return lstatSync(hostPath).isSymbolicLink() ? readlinkSync(hostPath) : undefined;
  } catch {
    return undefined;
  }
}

/** Text as the shell would see it, refusing what is clearly not a text file. A UTF-8 BOM is dropped. */
function decodeText(bytes: Buffer): { kind: 'text'; text: string } | Exclude<FileRead, { kind: 'text' }> {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    return { kind: 'error', line: lineAt(bytes, nul), message: 'contains a NUL byte: not a text file' };
  }
  if (!isUtf8(bytes)) return { kind: 'error', message: 'not valid UTF-8: not a text file' };
  const text = bytes.toString('utf8');
  return { kind: 'text', text: text.startsWith('\uFEFF') ? text.slice(1) : text };
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line += 1;
  return line;
}

function describeUnread(read: Exclude<FileRead, { kind: 'text' }>): string {
  return read.kind === 'missing' ? 'vanished while being read' : read.message;
}

function describeFileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'unknown type';
}

function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function describeFsError(e: unknown): string {
  const code = errorCode(e);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  return code ?? String(e);
}

/** /proc/cmdline for `$(cat /proc/cmdline)`, read at most once per configuration reading. */
function procCmdlineReader(root: SystemRoot): () => string | undefined {
  let cached: FileRead | undefined;
  return () => {
    cached ??= readTextFile(root.path('/proc/cmdline'));
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
