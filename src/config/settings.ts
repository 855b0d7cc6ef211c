/**
 * The settings of /etc/default/kexec, one row each. The reader, the defaults
 * and `kexec-reboot config` are all made from this table, so a setting is
 * added, renamed or given another default here and nowhere else.
 */
import type { Unusable } from '../unusable.js';

/** How a setting's text becomes its value; `name` is the variable it was read from, for the message. */
type Parse<T> = (text: string, name: string) => { readonly value: T } | Unusable;

export interface Setting<Field extends string, T> {
  /** The shell variable. */
  readonly name: string;
  /** A name older files still use; read only when `name` is not set. */
  readonly formerName?: string;
  /** The setting's key in KexecConfig. */
  readonly field: Field;
  readonly parse: Parse<T>;
  /** What applies when the variable is not set, or its text cannot be used. */
  readonly default: T;
}

const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['yes', true],
  ['1', true],
  ['false', false],
  ['no', false],
  ['0', false],
]);

const boolean: Parse<boolean> = (text, name) => {
  const value = BOOLEAN_WORDS.get(text.toLowerCase());
  return value === undefined ? { unusable: `${name}=${JSON.stringify(text)}: expected true or false (or yes/no, 1/0)` } : { value };
};

const anyText: Parse<string> = (value) => ({ value });

const kernelPath: Parse<string> = (value, name) => (value === '' ? { unusable: `${name} is empty: no kernel to load` } : { value });

/**
 * A row whose default is of the type its parser gives. Field is inferred as
 * its literal (a type parameter constrained to string is) without a `const`
 * modifier, which Debian 12's esbuild 0.17 cannot parse.
 */
const setting = <Field extends string, T>(row: Setting<Field, T>): Setting<Field, T> => row;

/** In the order `kexec-reboot config` lists them. */
export const SETTINGS = [
  // Absent means true: installing the package is asking for kexec reboots. USE_KEXEC is kexec-tools' old name.
  setting({ name: 'LOAD_KEXEC', formerName: 'USE_KEXEC', field: 'loadKexec', parse: boolean, default: true }),
  setting({ name: 'KERNEL_IMAGE', field: 'kernelImage', parse: kernelPath, default: '/vmlinuz' }),
  // '' means boot without an initrd.
  setting({ name: 'INITRD', field: 'initrd', parse: anyText, default: '/initrd.img' }),
  // '' means the running kernel's /proc/cmdline.
  setting({ name: 'APPEND', field: 'append', parse: anyText, default: '' }),
  setting({ name: 'USE_GRUB_CONFIG', field: 'useGrubConfig', parse: boolean, default: false }),
  // Load the kernel after boot and whenever its inputs change, not during shutdown.
  setting({ name: 'PRELOAD', field: 'preload', parse: boolean, default: false }),
] as const;

export type SettingRow = (typeof SETTINGS)[number];
