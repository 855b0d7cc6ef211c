/**
 * The effective configuration of /etc/default/kexec and its kexec.d snippets.
 * Every value says where it came from, so `status` and `config` can explain it.
 */
import { SETTINGS, type Setting, type SettingRow } from './settings.js';

/** "FILE:LINE" for a value set in a file, "default" for a built-in default. */
export type Origin = string;

export interface Sourced<T> {
  readonly value: T;
  readonly origin: Origin;
}

/** The value of each setting, under its field in the table. */
export type KexecConfig = {
  readonly [Row in SettingRow as Row['field']]: Sourced<Row extends Setting<string, infer T> ? T : never>;
};

/** A configuration made setting by setting, in the table's order. */
export function configOf(sourced: (row: SettingRow) => Sourced<boolean | string>): KexecConfig {
  // Each row's parser and default have the row's type (settings.ts), which fromEntries cannot see.
  return Object.fromEntries(SETTINGS.map((row) => [row.field, sourced(row)])) as KexecConfig;
}

/** What applies when a setting is not set. */
export const DEFAULT_CONFIG: KexecConfig = configOf((row) => ({ value: row.default, origin: 'default' }));

/** A problem found in a configuration file, printed as `file:line: message`. */
export interface ConfigDiagnostic {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export interface ConfigReading {
  /** Defaults filled in for whatever could not be read. */
  readonly config: KexecConfig;
  /** Files read, in order. */
  readonly files: readonly string[];
  /** Any error makes the configuration unusable: the planner then chooses a cold reboot. */
  readonly errors: readonly ConfigDiagnostic[];
  readonly warnings: readonly ConfigDiagnostic[];
}

export function formatDiagnostic(d: ConfigDiagnostic): string {
  return d.line === undefined ? `${d.file}: ${d.message}` : `${d.file}:${d.line}: ${d.message}`;
}
