/**
 * GRUB's variables as far as they can be known without running GRUB: the
 * values GRUB sets itself, `$name` expansion with field splitting
 * (grub-core/script/execute.c), and assignments. A value that only GRUB knows
 * at boot time is "unknown" with the reason, and so is whatever is built from
 * it, so that nothing is guessed.
 */
import { isUnusable, type Unusable } from '../../unusable.js';
import type { Word } from './grub-script.js';

/** A variable's value and the grubenv variables it came from. */
export interface Known {
  readonly value: string;
  readonly from: ReadonlySet<string>;
}
export type VarValue = Known | Unusable;

export class Env {
  constructor(
    readonly vars = new Map<string, VarValue>(),
    readonly exported = new Set<string>(),
  ) {}
  get(name: string): VarValue | undefined {
    return this.vars.get(name);
  }
  copy(): Env {
    return new Env(new Map(this.vars), new Set(this.exported));
  }
  /** A new context as grub_env_context_open makes it: exported variables only. */
  exportedOnly(): Env {
    const env = new Env();
    for (const name of this.exported) {
      const v = this.vars.get(name);
      if (v) env.vars.set(name, v);
      env.exported.add(name);
    }
    return env;
  }
}

/** Variables GRUB itself sets, with the values of any GRUB since 2.02. */
const FEATURES = [
  'feature_chainloader_bpb',
  'feature_ntldr',
  'feature_platform_search_hint',
  'feature_default_font_path',
  'feature_all_video_module',
  'feature_menuentry_id',
  'feature_menuentry_options',
  'feature_200_final',
  'feature_nativedisk_cmd',
  'feature_timeout_style',
];

/** Values GRUB knows only at boot time. */
const RUNTIME_VARS = ['root', 'cmdpath', 'grub_platform', 'grub_cpu', 'net_default_server', 'pxe_default_server', 'fw_path'];

/** The variables a grub.cfg in `grubDir` starts with. */
export function initialEnv(grubDir: string): Env {
  const env = new Env();
  const none = new Set<string>();
  for (const f of FEATURES) env.vars.set(f, { value: 'y', from: none });
  env.vars.set('prefix', { value: grubDir, from: none });
  env.vars.set('config_directory', { value: grubDir, from: none });
  for (const v of RUNTIME_VARS) env.vars.set(v, { unusable: `$${v} is only known to GRUB at boot time` });
  return env;
}

/** An argument whose value is only known at boot time. */
export const UNKNOWN = Symbol('unknown');
export type Arg = string | typeof UNKNOWN;

/** Expands one word into fields, or why it cannot be expanded. */
export function expandWord(word: Word, env: Env, params: readonly string[]): { readonly fields: readonly string[]; readonly from: ReadonlySet<string> } | Unusable {
  const fields: string[] = [];
  let current = '';
  let open = false; // current holds something (literal or quoted text)
  const from = new Set<string>();
  for (const part of word.parts) {
    if (part.kind === 'lit') {
      current += part.text;
      open = true;
      continue;
    }
    let value: string;
    if (/^[0-9]+$/.test(part.name)) {
      value = params[Number(part.name) - 1] ?? '';
    } else if (part.name === '#') {
      value = String(params.length);
    } else if (part.name === '@' || part.name === '*') {
      value = params.join(' ');
    } else if (part.name === '?') {
      return { unusable: '$? (the status of the last command) is only known at boot time' };
    } else {
      const v = env.get(part.name);
      if (v && isUnusable(v)) return v;
      value = v ? v.value : '';
      if (v) for (const f of v.from) from.add(f);
      else from.add(part.name); // unset: still say where the value was meant to come from
    }
    if (part.quoted) {
      current += value;
      open = true;
      continue;
    }
    const pieces = value.split(/[ \t\n]+/);
    const leading = pieces[0] === '';
    const trailing = pieces.length > 1 && pieces[pieces.length - 1] === '';
    const words = pieces.filter((x) => x !== '');
    if (words.length === 0) continue;
    if (leading && open) {
      fields.push(current);
      current = '';
    }
    current += words[0];
    open = true;
    for (const w of words.slice(1)) {
      fields.push(current);
      current = w;
    }
    if (trailing) {
      fields.push(current);
      current = '';
      open = false;
    }
  }
  if (open || word.quoted) fields.push(current);
  return { fields, from };
}

/** Expands a command's words into its arguments; a word that cannot be expanded is one UNKNOWN argument. */
export function expandArgs(words: readonly Word[], env: Env, params: readonly string[]): readonly Arg[] {
  const out: Arg[] = [];
  for (const w of words) {
    const e = expandWord(w, env, params);
    if (isUnusable(e)) out.push(UNKNOWN);
    else out.push(...e.fields);
  }
  return out;
}

/**
 * Sets a variable. An assignment that may or may not run (`uncertain` says
 * why) leaves the variable unknown, unless it assigns the value it has.
 */
export function assign(env: Env, name: string, value: VarValue, uncertain: string | undefined, line: number): void {
  if (uncertain !== undefined) {
    const old = env.get(name);
    const same = old && !isUnusable(old) && !isUnusable(value) && old.value === value.value;
    if (!same) env.vars.set(name, { unusable: `$${name} is set on line ${line} ${uncertain}` });
    return;
  }
  env.vars.set(name, value);
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** Splits a `name=value` word into its name and the word of its value. */
function splitAssignment(word: Word): { readonly name: string; readonly value: Word } | undefined {
  const first = word.parts[0];
  if (first?.kind !== 'lit') return undefined;
  const m = ASSIGNMENT.exec(first.text);
  if (!m) return undefined;
  const rest = first.text.slice(m[0].length);
  const parts = rest === '' ? word.parts.slice(1) : [{ kind: 'lit' as const, text: rest }, ...word.parts.slice(1)];
  return { name: m[1]!, value: { ...word, parts, quoted: true } };
}

/** Carries out a `name=value` word; false when the word is not an assignment. */
export function assignWord(env: Env, word: Word, uncertain: string | undefined, line: number, params: readonly string[]): boolean {
  const split = splitAssignment(word);
  if (!split) return false;
  const e = expandWord(split.value, env, params);
  const value: VarValue = isUnusable(e) ? e : { value: e.fields.join(' '), from: e.from };
  assign(env, split.name, value, uncertain, line);
  return true;
}
