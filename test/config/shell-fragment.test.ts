import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateShellFragment, type FragmentContext } from '../../src/config/shell-fragment.js';
import { sourceWithSh } from './sh.js';

const procCmdline = readFileSync('/proc/cmdline', 'utf8');
const bootCmdline = procCmdline.replace(/\n+$/, '');

function context(variables: Record<string, string> = {}): FragmentContext {
  return { variables: new Map(Object.entries(variables)), readProcCmdline: () => procCmdline };
}

/** The final value of each variable the fragment assigns. */
function evaluate(text: string): Record<string, string> {
  const evaluation = evaluateShellFragment(text, context());
  expect(evaluation.error).toBeUndefined();
  return Object.fromEntries(evaluation.assignments.map((a) => [a.name, a.value]));
}

function evaluateWithSh(text: string, names: string[]): Record<string, string | undefined> {
  const file = path.join(tmpdir(), `kexec-fragment-${process.pid}.sh`);
  writeFileSync(file, text);
  return Object.fromEntries(sourceWithSh([file], names));
}

describe('evaluateShellFragment: values as /bin/sh gives them', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['plain', 'A=b', { A: 'b' }],
    ['empty', 'A=', { A: '' }],
    ['comment after value', 'A=b # c', { A: 'b' }],
    ['# inside a word is literal', 'A=b#c', { A: 'b#c' }],
    ['# starting the value is literal', 'A=#c', { A: '#c' }],
    ['blank and comment lines', '\n# x\n  # y\n\t\nA=1\n', { A: '1' }],
    ['export with value', 'export A=b', { A: 'b' }],
    ['export of a name', 'A=b\nexport A', { A: 'b' }],
    ['export of several', 'export A=1 B C=2', { A: '1', C: '2' }],
    ['single quotes keep everything', `A='x \\ $B "y" # z'`, { A: 'x \\ $B "y" # z' }],
    ['single quotes span lines', "A='x\ny'", { A: 'x\ny' }],
    ['double-quote escapes', 'A="\\\\ \\" \\$ \\` \\n \\a"', { A: '\\ " $ ` \\n \\a' }],
    ['escapes outside quotes', 'A=a\\ b\\"\\$\\;\\#\\\\', { A: 'a b"$;#\\' }],
    ['continuation outside quotes', 'A=x\\\ny', { A: 'xy' }],
    ['continuation inside double quotes', 'A="x\\\ny"', { A: 'xy' }],
    ['continuation inside single quotes is literal', "A='x\\\ny'", { A: 'x\\\ny' }],
    ['continuation inside a name', 'LOAD_\\\nKEXEC=1', { LOAD_KEXEC: '1' }],
    ['comment does not continue', 'A=x # c \\\nB=1', { A: 'x', B: '1' }],
    ['adjacent parts concatenate', `A='x'"y"z`, { A: 'xyz' }],
    ['variables', 'B="a  b"\nA=$B/${B}x', { B: 'a  b', A: 'a  b/a  bx' }],
    ['unset expands to nothing', 'A=[$NOPE]', { A: '[]' }],
    ['assignment is not split or globbed', 'B="x  *"\nA=$B', { B: 'x  *', A: 'x  *' }],
    ['export does not split either', 'B="x  *"\nexport A=$B', { B: 'x  *', A: 'x  *' }],
    ['several assignments, left to right', 'A=1 B=$A', { A: '1', B: '1' }],
    ['export expands all its arguments before assigning', 'A=0\nexport A=1 B=$A', { A: '1', B: '0' }],
    ['lone dollar is literal', 'A=x$ B="$" C=$/', { A: 'x$', B: '$', C: '$/' }],
    ['trailing backslash at end of file', 'A=x\\', { A: 'x\\' }],
    ['tilde not at an expansion point', 'A=x~ B="~" C=\\~', { A: 'x~', B: '~', C: '~' }],
    ['$(cat /proc/cmdline)', 'A=$(cat /proc/cmdline)', { A: bootCmdline }],
    ['$( cat /proc/cmdline ) in double quotes', 'A="$( cat /proc/cmdline ) panic=10"', { A: `${bootCmdline} panic=10` }],
    ['backquotes', 'A=`cat /proc/cmdline`x', { A: `${bootCmdline}x` }],
    ['backquotes in double quotes', 'A="`cat  /proc/cmdline`"', { A: bootCmdline }],
  ];
  it.each(cases)('%s', (_, text, expected) => {
    expect(evaluate(text)).toEqual(expected);
    expect(evaluateWithSh(text, Object.keys(expected))).toEqual(expected);
  });

  it('tolerates CRLF line endings (dash would keep the \\r)', () => {
    expect(evaluate('A=1\r\nB="x"\r\n')).toEqual({ A: '1', B: 'x' });
  });

  it('sees variables from earlier files and records lines', () => {
    const evaluation = evaluateShellFragment('\n\nA="$BASE x" \\\n  B=2', context({ BASE: 'b' }));
    expect(evaluation.assignments).toEqual([
      { name: 'A', value: 'b x', line: 3 },
      { name: 'B', value: '2', line: 4 },
    ]);
  });

  it('reports an unreadable /proc/cmdline', () => {
    const evaluation = evaluateShellFragment('A=$(cat /proc/cmdline)', {
      variables: new Map(),
      readProcCmdline: () => undefined,
    });
    expect(evaluation.error).toEqual({ line: 1, message: '$(cat /proc/cmdline): /proc/cmdline cannot be read' });
  });
});

describe('evaluateShellFragment: outside the subset is an error, at its line', () => {
  const cases: [string, number, RegExp][] = [
    ['A=$(rm -rf /)', 1, /\$\(rm -rf \/\): command substitution is not supported/],
    ['A=`id`', 1, /`id`: command substitution is not supported/],
    ['\nA=$((1+1))', 2, /arithmetic expansion/],
    ['A=${B:-x}', 1, /\$\{B:-x\} is not supported/],
    ['A=${#B}', 1, /not supported: only \$\{NAME\}/],
    ['A=${B', 1, /\$\{B\.\.\. is not supported/],
    ['A=$1', 1, /\$1 \(a special parameter\)/],
    ['A=$?', 1, /\$\? \(a special parameter\)/],
    [`A=$'x'`, 1, /\$'\.\.\.' quoting/],
    ['A=1; reboot', 1, /; \(a command separator\)/],
    ['A=1 && reboot', 1, /& \(a background or && operator\)/],
    ['A=1 | x', 1, /\| \(a pipe/],
    ['A=1 >/tmp/x', 1, /> \(a redirection\)/],
    ['(A=1)', 1, /\( \(a subshell/],
    ['if true; then A=1; fi', 1, /"if" would run as a command/],
    ['# c\nreboot', 2, /"reboot" would run as a command/],
    ['LOAD_KEXEC = true', 1, /"LOAD_KEXEC" would run as a command: only NAME=value \(no spaces around =\)/],
    ['APPEND=quiet splash', 1, /"splash" would run as a command: quote values that contain spaces/],
    ['A=1 export B=2', 1, /"export" would run as a command/],
    ['export', 1, /export without a NAME/],
    ['export -p', 1, /export "-p": expected NAME or NAME=value/],
    ['A=~/x', 1, /tilde expansion/],
    ['A=x:~', 1, /tilde expansion/],
    ["A=1\nB='x\n\ny", 2, /unterminated single quote \(opened on line 2\)/],
    ['A="x', 1, /unterminated double quote/],
    ['A=$(cat /proc/cmdline', 1, /unterminated \$\(/],
  ];
  it.each(cases)('%j', (text, line, message) => {
    const { error } = evaluateShellFragment(text, context());
    expect(error?.line).toBe(line);
    expect(error?.message).toMatch(message);
  });

  it('keeps the assignments before the error, as dash runs them', () => {
    const evaluation = evaluateShellFragment('A=1\nB=$(x)\nC=3', context());
    expect(evaluation.assignments).toEqual([{ name: 'A', value: '1', line: 1 }]);
    expect(evaluation.error?.line).toBe(2);
  });
});
