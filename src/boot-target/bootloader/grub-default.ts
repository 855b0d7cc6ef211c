/**
 * How GRUB picks the entry to boot from the `default` variable, following
 * grub-core/normal/menu.c (GRUB 2.06, as in Debian 12):
 *
 * - get_entry_number(): the value is first read as a number with
 *   grub_strtoul(val, 0, 0) (C rules: leading blanks skipped, 0x = hex, a
 *   leading 0 = octal, anything after the digits ignored, so "1>2" reads as
 *   1). Only when no digit can be read is it matched against each entry of
 *   the menu in order, by title or by id (menuentry_eq), first match wins.
 * - run_menu(): a result that is not a valid index (no match, negative, past
 *   the end) falls back to entry 0.
 * - menuentry_eq(): a `>` ends the part of the value that is compared, `>>`
 *   stands for a literal `>`.
 * - grub_menu_execute_entry(): when the chosen entry is a submenu, `default`
 *   in the submenu is what follows the first unescaped `>` of the value (or
 *   unset, i.e. entry 0, when nothing follows).
 */
import { isUnusable, type Unusable } from '../../unusable.js';
import { evaluateSubmenu, type GrubHost, type MenuContext, type MenuItem } from './grub-menu.js';

/** The part of an entry that default matching looks at. */
export interface MenuItemKey {
  readonly title: string | undefined;
  readonly id: string | undefined;
}

/** menuentry_eq(id, spec) from menu.c. */
export function menuentryEq(id: string, spec: string): boolean {
  let i = 0;
  let s = 0;
  for (;;) {
    const sc = spec[s];
    const ic = id[i];
    if (sc === '>' && spec[s + 1] !== '>') return ic === undefined;
    if (sc === '>') s++;
    if (ic !== spec[s]) return false;
    if (ic === undefined) return true;
    i++;
    s++;
  }
}

/**
 * grub_strtoul(val, 0, 0): the number at the start of `value`, or undefined
 * when no digit can be read (GRUB_ERR_BAD_NUMBER) or it overflows.
 */
export function grubStrtoul(value: string): number | undefined {
  let p = 0;
  while (p < value.length && /\s/.test(value[p]!)) p++;
  let base = 10;
  if (value[p] === '0' && (value[p + 1] === 'x' || value[p + 1] === 'X')) {
    base = 16;
    p += 2;
  } else if (value[p] === '0') {
    base = 8;
  }
  let n = 0;
  let digits = 0;
  for (; p < value.length; p++) {
    const d = parseInt(value[p]!, base);
    if (Number.isNaN(d)) break;
    n = n * base + d;
    digits++;
  }
  if (digits === 0) return undefined;
  if (n > 0xffffffff) return undefined; // GRUB_ERR_OUT_OF_RANGE: treated like "no entry"
  return n;
}

export interface DefaultChoice {
  /** Index into the menu. */
  readonly index: number;
  /** How the value was read, for messages. */
  readonly how: 'number' | 'title' | 'id' | 'unset' | 'fallback';
  /** What `default` becomes inside the chosen submenu (undefined: unset). */
  readonly inner: string | undefined;
}

/** What follows the first unescaped `>` (menu.c, grub_menu_execute_entry). */
export function innerDefault(value: string): string | undefined {
  for (let p = 0; p < value.length; p++) {
    if (value[p] === '>' && value[p + 1] === '>') {
      p++;
      continue;
    }
    if (value[p] === '>') {
      const rest = value.slice(p + 1);
      return rest === '' ? undefined : rest;
    }
  }
  return undefined;
}

/** Picks the index GRUB boots from `default` in a menu of `items`. */
export function chooseDefault(items: readonly MenuItemKey[], value: string | undefined): DefaultChoice {
  const inner = value === undefined ? undefined : innerDefault(value);
  if (value === undefined) return { index: 0, how: 'unset', inner };
  const number = grubStrtoul(value);
  if (number !== undefined) {
    if (number < items.length) return { index: number, how: 'number', inner };
    return { index: 0, how: 'fallback', inner };
  }
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.title !== undefined && menuentryEq(item.title, value)) return { index: i, how: 'title', inner };
    if (item.id !== undefined && menuentryEq(item.id, value)) return { index: i, how: 'id', inner };
  }
  return { index: 0, how: 'fallback', inner };
}

type DefaultReading =
  | { readonly choice: DefaultChoice; readonly value: string | undefined; readonly from: ReadonlySet<string> }
  | Unusable;

/** Which item of `menu` GRUB boots, given its `default` variable. */
function readDefault(menu: MenuContext): DefaultReading {
  const v = menu.env.get('default');
  if (v && isUnusable(v)) return v;
  const value = v?.value;
  const choice = chooseDefault(menu.items, value);
  return { choice, value, from: v ? v.from : new Set() };
}

const MAX_SUBMENU_DEPTH = 16;

function quote(s: string): string {
  return JSON.stringify(s);
}

/** Follows `default` through the menu and its submenus to one entry. */
export function resolveGrubDefault(
  top: MenuContext,
  host: GrubHost,
): { readonly item: MenuItem; readonly menu: MenuContext; readonly titles: readonly string[]; readonly how: string; readonly viaNextEntry: boolean } | Unusable {
  if (top.fatal.length > 0) return { unusable: top.fatal.join('; ') };
  const first = readDefault(top);
  if (isUnusable(first)) return { unusable: `cannot tell the default entry: ${first.unusable}` };
  const from = first.from;
  const viaNextEntry = from.has('next_entry') && first.value !== undefined && first.value !== '';
  const source = from.has('next_entry') ? 'next_entry' : from.has('saved_entry') ? 'saved_entry' : 'default';
  let how: string;
  if (first.value === undefined) how = 'default not set: the first entry';
  else how = `via ${source}=${quote(first.value)}`;
  let menu = top;
  const titles: string[] = [];
  for (let depth = 0; depth < MAX_SUBMENU_DEPTH; depth++) {
    if (menu.fatal.length > 0) return { unusable: menu.fatal.join('; ') };
    const reading = readDefault(menu);
    if (isUnusable(reading)) return { unusable: `cannot tell the default entry: ${reading.unusable}` };
    const { choice } = reading;
    const where = titles.length === 0 ? 'the menu' : `submenu ${quote(titles.join('>'))}`;
    if (menu.items.length === 0) return { unusable: `${where} has no entries` };
    const item = menu.items[choice.index]!;
    const needsAll = choice.how === 'fallback' ? menu.items : menu.items.slice(0, choice.index + 1);
    const conditional = choice.how === 'title' || choice.how === 'id' ? (item.conditional ? item : undefined) : needsAll.find((i) => i.conditional);
    if (conditional) {
      return { unusable: `the default of ${where} depends on whether the entry on line ${conditional.line} exists, which is decided ${conditional.conditional}` };
    }
    if (choice.how === 'fallback') {
      how += `, which matches no entry${titles.length ? ` of ${where}` : ''}, so GRUB falls back to entry 0`;
    }
    titles.push(item.title ?? `#${choice.index}`);
    if (item.kind === 'menuentry') return { item, menu, titles, how, viaNextEntry };
    menu = evaluateSubmenu(menu, item, choice.inner, from, host);
  }
  return { unusable: 'submenus nested too deeply' };
}
