import { describe, expect, test } from 'vitest';
import { tokenize, type Word } from '../../../src/boot-target/bootloader/grub-script.js';
import { assign, Env, expandArgs, expandWord, initialEnv, UNKNOWN } from '../../../src/boot-target/bootloader/grub-variables.js';

function word(source: string): Word {
  const [token] = tokenize(source);
  if (token?.type !== 'word') throw new Error(`not a word: ${source}`);
  return token.word;
}
function envOf(values: Record<string, string>): Env {
  const env = initialEnv('/boot/grub');
  for (const [name, value] of Object.entries(values)) env.vars.set(name, { value, from: new Set([name]) });
  return env;
}
const fields = (source: string, env: Env, params: string[] = []) => {
  const e = expandWord(word(source), env, params);
  return 'fields' in e ? e.fields : e;
};

describe('expandWord', () => {
  test('an unquoted value is split into fields, a quoted one is not', () => {
    const env = envOf({ a: ' x  y ', empty: '' });
    expect(fields('$a', env)).toEqual(['x', 'y']);
    expect(fields('"$a"', env)).toEqual([' x  y ']);
    expect(fields('pre${a}post', env)).toEqual(['pre', 'x', 'y', 'post']);
    expect(fields('$empty', env)).toEqual([]);
    expect(fields('""', env)).toEqual(['']);
  });
  test('positional parameters: $1, $#, $@', () => {
    expect(fields('"$1:$#:$@"', envOf({}), ['a', 'b'])).toEqual(['a:2:a b']);
  });
  test('says which variables a value came from, unset ones too', () => {
    const e = expandWord(word('"${saved_entry}${next_entry}"'), envOf({ saved_entry: '1' }), []);
    expect(e).toEqual({ fields: ['1'], from: new Set(['saved_entry', 'next_entry']) });
  });
  test('what GRUB knows only at boot time cannot be expanded', () => {
    expect(fields('$grub_platform', envOf({}))).toEqual({ unusable: '$grub_platform is only known to GRUB at boot time' });
    expect(fields('$?', envOf({}))).toHaveProperty('unusable');
    expect(expandArgs([word('a'), word('$grub_cpu'), word('"$b c"')], envOf({ b: 'b' }), [])).toEqual(['a', UNKNOWN, 'b c']);
  });
});

describe('initialEnv', () => {
  test('GRUB features are there, $prefix is the folder of grub.cfg', () => {
    const env = initialEnv('/boot/grub');
    expect(fields('x"${feature_menuentry_id}"', env)).toEqual(['xy']);
    expect(fields('$prefix/grubenv', env)).toEqual(['/boot/grub/grubenv']);
  });
});

describe('assign', () => {
  test('an assignment that may not run leaves the variable unknown, unless it keeps its value', () => {
    const env = envOf({ a: '1', b: '1' });
    assign(env, 'a', { value: '2', from: new Set() }, 'inside the for loop on line 3', 3);
    assign(env, 'b', { value: '1', from: new Set() }, 'inside the for loop on line 3', 3);
    expect(env.get('a')).toEqual({ unusable: '$a is set on line 3 inside the for loop on line 3' });
    expect(env.get('b')).toMatchObject({ value: '1' });
  });
});
