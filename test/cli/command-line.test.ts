import { describe, expect, it } from 'vitest';
import { parseCommandLine, type ProgramSpec } from '../../src/cli/command-line.js';

const PROGRAM: ProgramSpec<string> = {
  name: 'prog',
  description: 'Does things.',
  version: '1.2.3',
  options: [{ name: 'root', value: 'DIR', description: 'where the system is' }],
  seeAlso: 'See prog(8).',
  commands: [
    { name: 'show', description: 'show it', options: [{ name: 'json', description: 'as JSON' }], run: 'show' },
    {
      name: 'hook',
      description: 'a hook whose description is long enough that it has to be wrapped onto a second line of the help',
      options: [{ name: 'verb', value: 'VERB', choices: ['reboot', 'halt'], description: 'what happens' }],
      run: 'hook',
    },
  ],
};

const parse = (...argv: string[]) => parseCommandLine(PROGRAM, argv);
const commandOf = (...argv: string[]) => {
  const line = parse(...argv);
  if (line.kind !== 'command') throw new Error(`expected a command, got ${JSON.stringify(line)}`);
  return { run: line.command.run, options: line.options };
};
const errorOf = (...argv: string[]) => {
  const line = parse(...argv);
  if (line.kind !== 'usage-error') throw new Error(`expected a usage error, got ${JSON.stringify(line)}`);
  return line.message;
};

describe('parseCommandLine', () => {
  it('finds the command and its options, with program options before or after it', () => {
    expect(commandOf('show')).toEqual({ run: 'show', options: {} });
    expect(commandOf('--root', '/mnt', 'show', '--json')).toEqual({ run: 'show', options: { root: '/mnt', json: true } });
    expect(commandOf('show', '--root=/mnt')).toEqual({ run: 'show', options: { root: '/mnt' } });
    expect(commandOf('hook', '--verb', 'halt')).toEqual({ run: 'hook', options: { verb: 'halt' } });
    expect(commandOf('hook', '--verb=reboot')).toEqual({ run: 'hook', options: { verb: 'reboot' } });
  });

  it('takes the word after a value option as its value, whatever it looks like', () => {
    expect(commandOf('--root', '-odd dir', 'show').options).toEqual({ root: '-odd dir' });
    expect(commandOf('--root=', 'show').options).toEqual({ root: '' });
  });

  it('answers help and version, for the program and for a command', () => {
    expect(parse('--help')).toMatchObject({ kind: 'help', text: expect.stringMatching(/^Usage: prog \[--root DIR\] COMMAND \[OPTIONS\]\n/) });
    expect(parse('-h')).toEqual(parse('--help'));
    expect(parse('help')).toEqual(parse('--help'));
    expect(parse('show', '--help')).toMatchObject({ kind: 'help', text: expect.stringMatching(/^Usage: prog \[--root DIR\] show \[--json\]\n/) });
    expect(parse('help', 'show')).toEqual(parse('show', '-h'));
    expect(parse('--version')).toEqual({ kind: 'version', text: '1.2.3\n' });
    expect(parse('-V', 'show')).toEqual({ kind: 'version', text: '1.2.3\n' });
  });

  it('lists every command and option in the help, wrapped to 80 columns', () => {
    const line = parse('--help');
    if (line.kind !== 'help') throw new Error('no help');
    for (const word of ['show', 'hook', 'help [COMMAND]', '--root DIR', '-h, --help', '-V, --version', 'See prog(8).']) expect(line.text).toContain(word);
    expect(Math.max(...line.text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(line.text).toMatch(/ {2}hook {2,}a hook whose description .*\n {4,}\S/);
  });

  it('names the choices of an option in its help', () => {
    expect(parse('hook', '--help')).toMatchObject({ text: expect.stringContaining('--verb VERB') });
    expect(parse('hook', '--help')).toMatchObject({ text: expect.stringContaining('what happens: reboot, halt') });
  });

  it('says exactly what is wrong with a command line', () => {
    expect(errorOf()).toBe('no command given (commands: show, hook)');
    expect(errorOf('--root', '/mnt')).toBe('no command given (commands: show, hook)');
    expect(errorOf('frobnicate')).toBe("unknown command 'frobnicate' (commands: show, hook)");
    expect(errorOf('help', 'frobnicate')).toBe("unknown command 'frobnicate' (commands: show, hook)");
    expect(errorOf('show', '--bogus')).toBe("unknown option '--bogus'");
    expect(errorOf('--json', 'show')).toBe("unknown option '--json'");
    expect(errorOf('show', '--verb', 'halt')).toBe("unknown option '--verb'");
    expect(errorOf('show', '--json=yes')).toBe("option '--json' takes no value");
    expect(errorOf('show', 'extra')).toBe("unexpected argument 'extra'");
    expect(errorOf('hook', '--verb')).toBe("option '--verb' needs a value (VERB)");
    expect(errorOf('hook', '--verb', 'explode')).toBe("option '--verb' cannot be 'explode' (one of: reboot, halt)");
    expect(errorOf('--root')).toBe("option '--root' needs a value (DIR)");
    expect(errorOf('--', 'show')).toBe("unknown option '--'");
  });
});
