import { describe, expect, test } from 'vitest';
import { GrubScriptError, literalText, parseGrubScript, tokenize, type Statement } from '../../../src/boot-target/bootloader/grub-script.js';
import { fixture } from '../../support/fake-root.js';

function words(source: string): (string | undefined)[] {
  return tokenize(source).flatMap((t) => (t.type === 'word' ? [literalText(t.word)] : []));
}

describe('tokenize', () => {
  test('single quotes keep everything literal, double quotes take \\\\ \\" \\$ escapes', () => {
    expect(words(`'it'\\''s' "a \\"b\\" \\$c \\d"`)).toEqual([`it's`, 'a "b" $c \\d']);
  });
  test('a backslash outside quotes escapes the next character', () => {
    expect(words('a\\ b c')).toEqual(['a b', 'c']);
  });
  test('variables are parts of words, quoted or not', () => {
    const t = tokenize('x"${a}"$b');
    const w = t[0]!.type === 'word' ? t[0]!.word : undefined;
    expect(w?.parts).toEqual([
      { kind: 'lit', text: 'x' },
      { kind: 'var', name: 'a', quoted: true, start: 2, end: 6 },
      { kind: 'var', name: 'b', quoted: false, start: 7, end: 9 },
    ]);
  });
  test('comments start at a word, braces and ; are tokens, backslash-newline continues', () => {
    expect(tokenize('a # c\n{ b;c }\\\nd').map((t) => t.type)).toEqual(['word', 'newline', 'lbrace', 'word', 'semi', 'word', 'rbrace', 'word', 'eof']);
  });
  test('an unterminated quote is an error', () => {
    expect(() => tokenize("menuentry 'x {")).toThrow(GrubScriptError);
  });
});

describe('parseGrubScript', () => {
  test('if / elif / else / fi with conditions', () => {
    const s = parseGrubScript('if [ "$a" ] ; then\n set b=1\nelif test x = y; then c\nelse\n d\nfi\n');
    const st = s.statements[0] as Extract<Statement, { type: 'if' }>;
    expect(st.type).toBe('if');
    expect(st.branches).toHaveLength(2);
    expect(st.elseBody).toHaveLength(1);
  });
  test('menuentry and nested submenu keep their words and bodies', () => {
    const s = parseGrubScript("submenu 'S' {\n menuentry 'A' --id a {\n  linux /k\n }\n}\n");
    const sub = s.statements[0] as Extract<Statement, { type: 'menuentry' }>;
    expect(sub.kind).toBe('submenu');
    const inner = sub.body[0] as Extract<Statement, { type: 'menuentry' }>;
    expect(inner.args.map(literalText)).toEqual(['A', '--id', 'a']);
    expect(inner.body[0]).toMatchObject({ type: 'command', line: 3 });
  });
  test('functions and loops', () => {
    const s = parseGrubScript('function f {\n set a=1\n}\nfor x in 1 2; do set a=$x; done\n');
    expect(s.statements.map((x) => x.type)).toEqual(['function', 'loop']);
  });
  test('quoted keywords are plain words', () => {
    const s = parseGrubScript("'if' x\n");
    expect(s.statements[0]?.type).toBe('command');
  });
  test('a missing fi or } is an error', () => {
    expect(() => parseGrubScript('if true; then\n a\n')).toThrow(GrubScriptError);
    expect(() => parseGrubScript("menuentry 'x' {\n a\n")).toThrow(GrubScriptError);
  });
  test("parses every grub.cfg Debian's grub-mkconfig generated", () => {
    for (const v of ['default', 'saved', 'path-numbers', 'title', 'id-path', 'separate-boot', 'no-submenu']) {
      expect(parseGrubScript(fixture('grub', v, 'grub.cfg')).statements.length).toBeGreaterThan(10);
    }
  });
});
