/**
 * Reads the menu out of a parsed grub.cfg without running GRUB: the top-level
 * script is followed statement by statement, but the only things "done" are
 * variable assignments (`set`, `name=value`, `unset`, `export`), `load_env`,
 * `source` of a file next to grub.cfg, calls of functions the script defines,
 * and `if` conditions made of `[ ... ]` / `test` expressions over known values
 * and file tests on $prefix (e.g. Debian's `if [ -s $prefix/grubenv ]`).
 * Any other command is ignored; a condition that depends on something else
 * (`if loadfont ...`, `$grub_platform`, ...) is "unknown": what its branches
 * assign becomes unknown and the entries they define are marked conditional,
 * so that a default depending on them is reported instead of guessed.
 *
 * Menus and scoping follow grub-core/normal/menu.c and commands/menuentry.c:
 * a menu entry's body runs with the variables of the menu it is in, as they
 * are when the whole script has run; a submenu body runs in a new context
 * that only sees exported variables, with `default` set to the rest of the
 * parent's default after `>`.
 */
import { chooseDefault, type DefaultChoice } from './grub-default.js';
import { literalText, type Script, type Statement, type Word, type FunctionStatement } from './grub-script.js';

/** A variable's value and the grubenv variables it came from. */
export interface Known {
  value: string;
  from: ReadonlySet<string>;
}
export type VarValue = Known | { unknown: string };

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

/** What evaluation needs from the outside world. */
export interface GrubHost {
  /** The value of $prefix / $config_directory: the folder grub.cfg is in, as a system path. */
  readonly grubDir: string;
  /** `[ -f|-e|-s|-d PATH ]` for a path under grubDir, or why it cannot be told. */
  fileTest(op: '-f' | '-e' | '-s' | '-d', path: string): boolean | { unknown: string };
  /** Variables of the environment block at `path`, or why they cannot be had. */
  loadEnv(path: string): Map<string, string> | { unknown: string };
  /** Parsed script at `path` (for `source`), or why it cannot be had. */
  readScript(path: string): Script | { unknown: string };
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

export function initialEnv(host: GrubHost): Env {
  const env = new Env();
  const none = new Set<string>();
  for (const f of FEATURES) env.vars.set(f, { value: 'y', from: none });
  env.vars.set('prefix', { value: host.grubDir, from: none });
  env.vars.set('config_directory', { value: host.grubDir, from: none });
  for (const v of RUNTIME_VARS) env.vars.set(v, { unknown: `$${v} is only known to GRUB at boot time` });
  return env;
}

export interface MenuItem {
  kind: 'menuentry' | 'submenu';
  /** null when the title depends on something unknown. */
  title: string | null;
  id: string | null;
  line: number;
  body: Statement[];
  /** $1... inside the body (setparams): the title and any further arguments. */
  params: string[];
  /** Why the entry may or may not exist, when it is defined under an unknown condition. */
  conditional: string | null;
  /** Text of the script that defines it (word offsets point into it). */
  source: string;
}

export interface MenuContext {
  items: MenuItem[];
  env: Env;
  functions: Map<string, FunctionStatement>;
  /** Problems that make the whole menu unknowable (e.g. `configfile`). */
  fatal: string[];
}

/** A command that evaluation hands to the caller (e.g. `linux` in an entry). */
export interface CommandEvent {
  argv: Word[];
  name: string;
  line: number;
  uncertain: string | null;
  env: Env;
  params: string[];
  /** Text of the script the words are from. */
  source: string;
}

interface Run {
  ctx: MenuContext;
  host: GrubHost;
  onCommand: ((event: CommandEvent) => void) | null;
  depth: number;
  params: readonly string[];
  /** Text of the script being run (word offsets point into it). */
  source: string;
}

const UNKNOWN = Symbol('unknown');
type Arg = string | typeof UNKNOWN;

/** Expands one word into fields, or why it cannot be expanded. */
export function expandWord(word: Word, env: Env, params: readonly string[]): { fields: string[]; from: Set<string> } | { unknown: string } {
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
      return { unknown: '$? (the status of the last command) is only known at boot time' };
    } else {
      const v = env.get(part.name);
      if (v && 'unknown' in v) return { unknown: v.unknown };
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

function expandArgs(words: readonly Word[], env: Env, params: readonly string[]): Arg[] {
  const out: Arg[] = [];
  for (const w of words) {
    const e = expandWord(w, env, params);
    if ('unknown' in e) out.push(UNKNOWN);
    else out.push(...e.fields);
  }
  return out;
}

function assign(run: Run, name: string, value: VarValue, uncertain: string | null, line: number): void {
  const env = run.ctx.env;
  if (uncertain !== null) {
    const old = env.get(name);
    const same = old && !('unknown' in old) && !('unknown' in value) && old.value === value.value;
    if (!same) env.vars.set(name, { unknown: `$${name} is set on line ${line} ${uncertain}` });
    return;
  }
  env.vars.set(name, value);
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** Splits a `name=value` word into its name and the word of its value. */
function splitAssignment(word: Word): { name: string; value: Word } | null {
  const first = word.parts[0];
  if (!first || first.kind !== 'lit') return null;
  const m = ASSIGNMENT.exec(first.text);
  if (!m) return null;
  const rest = first.text.slice(m[0].length);
  const parts = rest === '' ? word.parts.slice(1) : [{ kind: 'lit' as const, text: rest }, ...word.parts.slice(1)];
  return { name: m[1]!, value: { ...word, parts, quoted: true } };
}

function assignWord(run: Run, word: Word, uncertain: string | null, line: number, params: readonly string[]): boolean {
  const split = splitAssignment(word);
  if (!split) return false;
  const e = expandWord(split.value, run.ctx.env, params);
  const value: VarValue = 'unknown' in e ? { unknown: e.unknown } : { value: e.fields.join(' '), from: e.from };
  assign(run, split.name, value, uncertain, line);
  return true;
}

function execCommand(run: Run, words: Word[], line: number, uncertain: string | null, params: readonly string[]): void {
  const first = words[0];
  if (!first) return;
  const env = run.ctx.env;
  // `name=value` as a command (as in Debian's `menuentry_id_option="--id"`).
  if (words.length === 1 && assignWord(run, first, uncertain, line, params)) return;
  const name = literalText(first);
  if (name === null) return;
  const rest = words.slice(1);
  switch (name) {
    case 'set':
      for (const w of rest) assignWord(run, w, uncertain, line, params);
      return;
    case 'unset':
      for (const a of expandArgs(rest, env, params)) {
        if (a !== UNKNOWN) {
          if (uncertain === null) env.vars.delete(a);
          else assign(run, a, { unknown: '' }, uncertain, line);
        }
      }
      return;
    case 'export':
      for (const a of expandArgs(rest, env, params)) if (a !== UNKNOWN) env.exported.add(a);
      return;
    case 'load_env':
      loadEnv(run, rest, line, uncertain, params);
      return;
    case 'source':
    case '.': {
      const args = expandArgs(rest, env, params);
      const path = args[0];
      const why = uncertain ?? '';
      if (path === undefined || path === UNKNOWN) {
        run.ctx.fatal.push(`line ${line}: \`${name}\` of a file whose name is not known ${why}`.trim());
        return;
      }
      const script = run.host.readScript(path);
      if ('unknown' in script) {
        run.ctx.fatal.push(`line ${line}: \`${name} ${path}\`: ${script.unknown}`);
        return;
      }
      if (run.depth > 8) {
        run.ctx.fatal.push(`line ${line}: \`${name}\` nested too deeply`);
        return;
      }
      execList({ ...run, depth: run.depth + 1, source: script.source }, script.statements, uncertain, params);
      return;
    }
    case 'configfile':
    case 'normal':
    case 'extract_entries_source':
    case 'extract_entries_configfile':
    case 'extract_legacy_entries_source':
    case 'extract_legacy_entries_configfile':
    case 'legacy_source':
    case 'legacy_configfile':
      if (run.onCommand === null) {
        run.ctx.fatal.push(`line ${line}: \`${name}\` reads another menu, which is not followed`);
        return;
      }
      break;
  }
  const fn = run.ctx.functions.get(name);
  if (fn) {
    if (run.depth > 16) return;
    const args = expandArgs(rest, env, params).map((a) => (a === UNKNOWN ? '' : a));
    execList({ ...run, depth: run.depth + 1 }, fn.body, uncertain, args);
    return;
  }
  run.onCommand?.({ argv: words, name, line, uncertain, env, params: [...params], source: run.source });
}

function loadEnv(run: Run, words: Word[], line: number, uncertain: string | null, params: readonly string[]): void {
  const args = expandArgs(words, run.ctx.env, params);
  let file: Arg | undefined;
  const only: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-f' || a === '--file') file = args[++i];
    else if (typeof a === 'string' && a.startsWith('--file=')) file = a.slice('--file='.length);
    else if (a === '-s' || a === '--skip-sig') continue;
    else if (a !== UNKNOWN) only.push(a);
  }
  const prefix = run.ctx.env.get('prefix');
  const path = file ?? (prefix && !('unknown' in prefix) ? `${prefix.value}/grubenv` : UNKNOWN);
  const loaded: Map<string, string> | { unknown: string } =
    path === UNKNOWN ? { unknown: 'load_env of a file whose name is not known' } : run.host.loadEnv(path);
  if (!(loaded instanceof Map)) {
    run.ctx.fatal.push(`line ${line}: load_env: ${loaded.unknown}`);
    return;
  }
  for (const [name, value] of loaded) {
    if (only.length > 0 && !only.includes(name)) continue;
    assign(run, name, { value, from: new Set([name]) }, uncertain, line);
  }
}

type Truth = boolean | { unknown: string };

function and(a: Truth, b: () => Truth): Truth {
  if (a === false) return false;
  const bv = b();
  if (bv === false) return false;
  if (a === true) return bv;
  return a;
}
function or(a: Truth, b: () => Truth): Truth {
  if (a === true) return true;
  const bv = b();
  if (bv === true) return true;
  if (a === false) return bv;
  return a;
}
function not(a: Truth): Truth {
  return typeof a === 'boolean' ? !a : a;
}

/** The `test` / `[` expression language of grub-core/commands/test.c. */
function evalTest(args: Arg[], host: GrubHost, text: string): Truth {
  let pos = 0;
  const unknown = (what: string): Truth => ({ unknown: `\`${text}\` ${what}` });
  const known = (a: Arg | undefined): a is string => typeof a === 'string';
  const UNARY = new Set(['-n', '-z', '-e', '-f', '-s', '-d']);
  const BINARY = new Set(['=', '==', '!=', '<', '<=', '>', '>=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge']);
  const parseOr = (): Truth => {
    let v = parseAnd();
    while (args[pos] === '-o') {
      pos++;
      const right = parseAnd();
      v = or(v, () => right);
    }
    return v;
  };
  const parseAnd = (): Truth => {
    let v = parseNot();
    while (args[pos] === '-a') {
      pos++;
      const right = parseNot();
      v = and(v, () => right);
    }
    return v;
  };
  const parseNot = (): Truth => {
    if (args[pos] === '!') {
      pos++;
      return not(parseNot());
    }
    return parsePrimary();
  };
  const parsePrimary = (): Truth => {
    const a = args[pos];
    if (a === '(') {
      pos++;
      const v = parseOr();
      if (args[pos] === ')') pos++;
      return v;
    }
    const op = args[pos + 1];
    if (known(op) && BINARY.has(op) && pos + 2 < args.length + 1 && args[pos + 2] !== undefined) {
      const l = args[pos]!;
      const r = args[pos + 2]!;
      pos += 3;
      if (!known(l) || !known(r)) return unknown('compares a value only known at boot time');
      switch (op) {
        case '=':
        case '==':
          return l === r;
        case '!=':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
        default: {
          const x = Number.parseInt(l, 10);
          const y = Number.parseInt(r, 10);
          if (Number.isNaN(x) || Number.isNaN(y)) return unknown('compares numbers that are not numbers');
          if (op === '-eq') return x === y;
          if (op === '-ne') return x !== y;
          if (op === '-lt') return x < y;
          if (op === '-le') return x <= y;
          if (op === '-gt') return x > y;
          return x >= y;
        }
      }
    }
    if (known(a) && UNARY.has(a) && pos + 1 < args.length) {
      const v = args[pos + 1]!;
      pos += 2;
      if (!known(v)) return unknown('tests a value only known at boot time');
      if (a === '-n') return v !== '';
      if (a === '-z') return v === '';
      const r = host.fileTest(a as '-e' | '-f' | '-s' | '-d', v);
      return typeof r === 'boolean' ? r : unknown(`tests ${r.unknown}`);
    }
    pos++;
    if (a === undefined) return false;
    if (!known(a)) return unknown('tests a value only known at boot time');
    return a !== '';
  };
  const v = parseOr();
  if (pos < args.length) return unknown('is not understood');
  return v;
}

function sourceText(script: string, words: Word[]): string {
  const first = words[0];
  const last = words[words.length - 1];
  return first && last ? script.slice(first.start, last.end) : '';
}

function evalCondition(run: Run, condition: Statement[], line: number): Truth {
  const only = condition.length === 1 ? condition[0] : undefined;
  const source = run.source;
  if (!only || only.type !== 'command') return { unknown: `the condition on line ${line} is not a single test` };
  const text = sourceText(source, only.words);
  const name = only.words[0] ? literalText(only.words[0]) : null;
  if (name === '[' || name === 'test') {
    const args = expandArgs(only.words.slice(1), run.ctx.env, run.params);
    if (name === '[') {
      if (args[args.length - 1] !== ']') return { unknown: `\`${text}\` (line ${line}) lacks its ]` };
      args.pop();
    }
    const v = evalTest(args, run.host, text);
    return typeof v === 'boolean' ? v : { unknown: `${v.unknown} (line ${line})` };
  }
  return { unknown: `\`${text}\` (line ${line}) can only be run by GRUB` };
}

function execList(run: Run, statements: readonly Statement[], uncertain: string | null, params: readonly string[]): void {
  const r: Run = { ...run, params };
  for (const st of statements) {
    switch (st.type) {
      case 'command':
        execCommand(r, st.words, st.line, uncertain, params);
        break;
      case 'function':
        r.ctx.functions.set(st.name, st);
        break;
      case 'loop':
        execList(r, st.body, uncertain ?? `inside the ${st.keyword} loop on line ${st.line}`, params);
        break;
      case 'if': {
        let mode = uncertain;
        let done = false;
        for (const branch of st.branches) {
          const t = evalCondition(r, branch.condition, st.line);
          if (t === false) continue;
          if (t === true) {
            execList(r, branch.body, mode, params);
            done = true;
            break;
          }
          const why = `under a condition that cannot be evaluated: ${t.unknown}`;
          execList(r, branch.body, mode ?? why, params);
          mode = mode ?? why;
        }
        if (!done && st.elseBody) execList(r, st.elseBody, mode, params);
        break;
      }
      case 'menuentry':
        addMenuItem(r, st, uncertain, params);
        break;
    }
  }
}

/** menuentry/submenu options (grub-core/commands/menuentry.c). */
const OPTIONS_WITH_VALUE = new Set(['--class', '--users', '--hotkey', '--source', '--id']);
const FLAG_OPTIONS = new Set(['--unrestricted']);

function addMenuItem(run: Run, st: Extract<Statement, { type: 'menuentry' }>, uncertain: string | null, params: readonly string[]): void {
  const args = expandArgs(st.args, run.ctx.env, params);
  let id: Arg | null = null;
  const positional: Arg[] = [];
  let optionsDone = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!optionsDone && typeof a === 'string' && a.startsWith('--')) {
      if (a === '--') {
        optionsDone = true;
        continue;
      }
      const eq = a.indexOf('=');
      const opt = eq < 0 ? a : a.slice(0, eq);
      if (OPTIONS_WITH_VALUE.has(opt)) {
        const value = eq < 0 ? args[++i] : a.slice(eq + 1);
        if (opt === '--id') id = value ?? UNKNOWN;
        continue;
      }
      if (FLAG_OPTIONS.has(opt)) continue;
    }
    positional.push(a);
  }
  const title = positional[0];
  const titleText = title === undefined || title === UNKNOWN ? null : title;
  const idText = id === null ? titleText : id === UNKNOWN ? null : id; // no --id: the title is the id
  run.ctx.items.push({
    kind: st.kind,
    title: titleText,
    id: idText,
    line: st.line,
    body: st.body,
    params: positional.map((p) => (p === UNKNOWN ? '' : p)),
    conditional: uncertain,
    source: run.source,
  });
}

/** Runs a script's top level and returns its menu. */
export function evaluateMenu(script: Script, host: GrubHost, env: Env = initialEnv(host), functions = new Map<string, FunctionStatement>()): MenuContext {
  const ctx: MenuContext = { items: [], env, functions, fatal: [] };
  execList({ ctx, host, onCommand: null, depth: 0, params: [], source: script.source }, script.statements, null, []);
  return ctx;
}

/** Runs a submenu's body in the new context GRUB gives it, and returns its menu. */
export function evaluateSubmenu(parent: MenuContext, item: MenuItem, innerDefault: string | undefined, defaultFrom: ReadonlySet<string>, host: GrubHost): MenuContext {
  const env = parent.env.exportedOnly();
  if (innerDefault !== undefined) env.vars.set('default', { value: innerDefault, from: defaultFrom });
  env.vars.set('timeout', { value: '0', from: new Set() });
  const ctx: MenuContext = { items: [], env, functions: parent.functions, fatal: [] };
  execList({ ctx, host, onCommand: null, depth: 0, params: item.params, source: item.source }, item.body, null, item.params);
  return ctx;
}

/** Runs a menu entry's body, handing every command it does not interpret to `onCommand`. */
export function evaluateEntryBody(menu: MenuContext, item: MenuItem, host: GrubHost, onCommand: (event: CommandEvent) => void): void {
  const ctx: MenuContext = { items: [], env: menu.env.copy(), functions: menu.functions, fatal: [] };
  execList({ ctx, host, onCommand, depth: 0, params: item.params, source: item.source }, item.body, null, item.params);
}

export type DefaultReading =
  | { choice: DefaultChoice; value: string | undefined; from: ReadonlySet<string> }
  | { unknown: string };

/** Which item of `menu` GRUB boots, given its `default` variable. */
export function readDefault(menu: MenuContext): DefaultReading {
  const v = menu.env.get('default');
  if (v && 'unknown' in v) return { unknown: v.unknown };
  const value = v?.value;
  const choice = chooseDefault(menu.items, value);
  return { choice, value, from: v ? v.from : new Set() };
}
