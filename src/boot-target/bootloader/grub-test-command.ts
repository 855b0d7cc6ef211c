/**
 * GRUB's `test` / `[` command (grub-core/commands/test.c), evaluated over
 * arguments that are already expanded. Comparisons of known values and file
 * tests the caller can answer (Debian's `if [ -s $prefix/grubenv ]`) give
 * true or false; anything that depends on what only GRUB knows at boot time
 * is "unknown", with the reason.
 */
import type { Unusable } from '../../unusable.js';
import type { Arg } from './grub-variables.js';

export type Truth = boolean | Unusable;

export type FileTestOperator = '-f' | '-e' | '-s' | '-d';
/** `[ -f|-e|-s|-d PATH ]`, or why it cannot be told. */
export type FileTest = (op: FileTestOperator, path: string) => Truth;

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

const UNARY = new Set(['-n', '-z', '-e', '-f', '-s', '-d']);
const BINARY = new Set(['=', '==', '!=', '<', '<=', '>', '>=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge']);

/** The expression language of test.c; `text` is the command as written, for messages. */
function evalTest(args: readonly Arg[], fileTest: FileTest, text: string): Truth {
  let pos = 0;
  const unknown = (what: string): Truth => ({ unusable: `\`${text}\` ${what}` });
  const known = (a: Arg | undefined): a is string => typeof a === 'string';
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
      const r = fileTest(a as FileTestOperator, v);
      return typeof r === 'boolean' ? r : unknown(`tests ${r.unusable}`);
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

/** Runs `[ ... ]` or `test ...` (`args`: the expanded words after the command name) on line `line`. */
export function runTestCommand(name: '[' | 'test', args: readonly Arg[], fileTest: FileTest, text: string, line: number): Truth {
  if (name === '[' && args[args.length - 1] !== ']') return { unusable: `\`${text}\` (line ${line}) lacks its ]` };
  const v = evalTest(name === '[' ? args.slice(0, -1) : args, fileTest, text);
  return typeof v === 'boolean' ? v : { unusable: `${v.unusable} (line ${line})` };
}
