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
import { isUnusable, type Unusable } from '../../unusable.js';
import { literalText, type FunctionStatement, type MenuEntryStatement, type Script, type Statement, type Word } from './grub-script.js';
import { runTestCommand, type FileTest, type Truth } from './grub-test-command.js';
import { assign, assignWord, Env, expandArgs, initialEnv, UNKNOWN, type Arg } from './grub-variables.js';

/** What evaluation needs from the outside world. */
export interface GrubHost {
  /** The value of $prefix / $config_directory: the folder grub.cfg is in, as a system path. */
  readonly grubDir: string;
  /** File tests, for a path under grubDir. */
  readonly fileTest: FileTest;
  /** Variables of the environment block at `path`, or why they cannot be had. */
  loadEnv(path: string): ReadonlyMap<string, string> | Unusable;
  /** Parsed script at `path` (for `source`), or why it cannot be had. */
  readScript(path: string): Script | Unusable;
}

export interface MenuItem {
  readonly kind: 'menuentry' | 'submenu';
  /** undefined when the title depends on something unknown. */
  readonly title: string | undefined;
  readonly id: string | undefined;
  readonly line: number;
  readonly body: readonly Statement[];
  /** $1... inside the body (setparams): the title and any further arguments. */
  readonly params: readonly string[];
  /** Why the entry may or may not exist, when it is defined under an unknown condition. */
  readonly conditional: string | undefined;
  /** Text of the script that defines it (word offsets point into it). */
  readonly source: string;
}

export interface MenuContext {
  readonly items: readonly MenuItem[];
  /** The variables as they are when the menu's script has run. */
  readonly env: Env;
  /** GRUB's functions are global: what a submenu or an entry defines goes into the table of the menu it is in. */
  readonly functions: Map<string, FunctionStatement>;
  /** Problems that make the whole menu unknowable (e.g. `configfile`). */
  readonly fatal: readonly string[];
}

/** A menu while its script runs. */
interface MenuBuilder extends MenuContext {
  readonly items: MenuItem[];
  readonly fatal: string[];
}

/** A command that evaluation hands to the caller (e.g. `linux` in an entry). */
export interface CommandEvent {
  readonly argv: readonly Word[];
  readonly name: string;
  readonly line: number;
  /** Why the command may or may not run, when it is under an unknown condition. */
  readonly uncertain: string | undefined;
  readonly env: Env;
  readonly params: readonly string[];
  /** Text of the script the words are from. */
  readonly source: string;
}

interface Run {
  readonly ctx: MenuBuilder;
  readonly host: GrubHost;
  /** An entry body's commands, for the caller; undefined while a menu is read, whose other commands do not matter. */
  readonly commands: CommandEvent[] | undefined;
  readonly depth: number;
  readonly params: readonly string[];
  /** Text of the script being run (word offsets point into it). */
  readonly source: string;
}

function execCommand(run: Run, words: readonly Word[], line: number, uncertain: string | undefined, params: readonly string[]): void {
  const first = words[0];
  if (!first) return;
  const env = run.ctx.env;
  // `name=value` as a command (as in Debian's `menuentry_id_option="--id"`).
  if (words.length === 1 && assignWord(env, first, uncertain, line, params)) return;
  const name = literalText(first);
  if (name === undefined) return;
  const rest = words.slice(1);
  switch (name) {
    case 'set':
      for (const w of rest) assignWord(env, w, uncertain, line, params);
      return;
    case 'unset':
      for (const a of expandArgs(rest, env, params)) {
        if (a !== UNKNOWN) {
          if (uncertain === undefined) env.vars.delete(a);
          else assign(env, a, { unusable: '' }, uncertain, line);
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
      if (isUnusable(script)) {
        run.ctx.fatal.push(`line ${line}: \`${name} ${path}\`: ${script.unusable}`);
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
      if (run.commands === undefined) {
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
  run.commands?.push({ argv: words, name, line, uncertain, env, params, source: run.source });
}

function loadEnv(run: Run, words: readonly Word[], line: number, uncertain: string | undefined, params: readonly string[]): void {
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
  const path = file ?? (prefix && !isUnusable(prefix) ? `${prefix.value}/grubenv` : UNKNOWN);
  const loaded = path === UNKNOWN ? { unusable: 'load_env of a file whose name is not known' } : run.host.loadEnv(path);
  if (isUnusable(loaded)) {
    run.ctx.fatal.push(`line ${line}: load_env: ${loaded.unusable}`);
    return;
  }
  for (const [name, value] of loaded) {
    if (only.length > 0 && !only.includes(name)) continue;
    assign(run.ctx.env, name, { value, from: new Set([name]) }, uncertain, line);
  }
}

function sourceText(script: string, words: readonly Word[]): string {
  const first = words[0];
  const last = words[words.length - 1];
  return first && last ? script.slice(first.start, last.end) : '';
}

function evalCondition(run: Run, condition: readonly Statement[], line: number): Truth {
  const only = condition.length === 1 ? condition[0] : undefined;
  const source = run.source;
  if (!only || only.type !== 'command') return { unusable: `the condition on line ${line} is not a single test` };
  const text = sourceText(source, only.words);
  const name = only.words[0] ? literalText(only.words[0]) : undefined;
  if (name === '[' || name === 'test') {
    return runTestCommand(name, expandArgs(only.words.slice(1), run.ctx.env, run.params), run.host.fileTest, text, line);
  }
  return { unusable: `\`${text}\` (line ${line}) can only be run by GRUB` };
}

function execList(run: Run, statements: readonly Statement[], uncertain: string | undefined, params: readonly string[]): void {
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
          const why = `under a condition that cannot be evaluated: ${t.unusable}`;
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

function addMenuItem(run: Run, st: MenuEntryStatement, uncertain: string | undefined, params: readonly string[]): void {
  const args = expandArgs(st.args, run.ctx.env, params);
  let id: Arg | undefined;
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
  const titleText = title === UNKNOWN ? undefined : title;
  const idText = id === undefined ? titleText : id === UNKNOWN ? undefined : id; // no --id: the title is the id
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
export function evaluateMenu(script: Script, host: GrubHost): MenuContext {
  const ctx: MenuBuilder = { items: [], env: initialEnv(host.grubDir), functions: new Map(), fatal: [] };
  execList({ ctx, host, commands: undefined, depth: 0, params: [], source: script.source }, script.statements, undefined, []);
  return ctx;
}

/** Runs a submenu's body in the new context GRUB gives it, and returns its menu. */
export function evaluateSubmenu(parent: MenuContext, item: MenuItem, innerDefault: string | undefined, defaultFrom: ReadonlySet<string>, host: GrubHost): MenuContext {
  const env = parent.env.exportedOnly();
  if (innerDefault !== undefined) env.vars.set('default', { value: innerDefault, from: defaultFrom });
  env.vars.set('timeout', { value: '0', from: new Set() });
  const ctx: MenuBuilder = { items: [], env, functions: parent.functions, fatal: [] };
  execList({ ctx, host, commands: undefined, depth: 0, params: item.params, source: item.source }, item.body, undefined, item.params);
  return ctx;
}

/** Runs a menu entry's body and returns, in order, every command it does not interpret. */
export function evaluateEntryBody(menu: MenuContext, item: MenuItem, host: GrubHost): readonly CommandEvent[] {
  const ctx: MenuBuilder = { items: [], env: menu.env.copy(), functions: menu.functions, fatal: [] };
  const commands: CommandEvent[] = [];
  execList({ ctx, host, commands, depth: 0, params: item.params, source: item.source }, item.body, undefined, item.params);
  return commands;
}
