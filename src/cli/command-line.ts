/**
 * The command line of a program with subcommands: parsing and help, from one
 * description of the commands. Written out rather than taken from a parser
 * library, which cost about 5 ms at every start, a third of the start-up
 * budget on the shutdown path (bench/README.md).
 */
export interface OptionSpec {
  /** The long name, without the dashes. */
  readonly name: string;
  readonly short?: string;
  /** How help names the option's value (e.g. DIR); absent for a flag. */
  readonly value?: string;
  readonly choices?: readonly string[];
  readonly description: string;
}

export type OptionValues = Readonly<Record<string, string | true | undefined>>;

export interface CommandSpec<Run> {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  readonly run: Run;
}

export interface ProgramSpec<Run> {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  /** Accepted before or after the command's name. */
  readonly options: readonly OptionSpec[];
  readonly commands: readonly CommandSpec<Run>[];
  /** The last line of the program's help, e.g. where the manual is. */
  readonly seeAlso: string;
}

export type CommandLine<Run> =
  | { readonly kind: 'command'; readonly command: CommandSpec<Run>; readonly options: OptionValues }
  | { readonly kind: 'help' | 'version'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string };

const HELP: OptionSpec = { name: 'help', short: 'h', description: 'show this help' };
const VERSION: OptionSpec = { name: 'version', short: 'V', description: 'show the version' };
const HELP_COMMAND = 'help';
const WIDTH = 80;

class UsageError extends Error {}

export function parseCommandLine<Run>(program: ProgramSpec<Run>, argv: readonly string[]): CommandLine<Run> {
  try {
    return interpret(program, argv);
  } catch (error) {
    if (error instanceof UsageError) return { kind: 'usage-error', message: error.message };
    throw error;
  }
}

function interpret<Run>(program: ProgramSpec<Run>, argv: readonly string[]): CommandLine<Run> {
  // Up to the first word that is not an option (or an option's value), only the program's own options are allowed.
  const programOptions = [...program.options, HELP, VERSION];
  const before = readOptions(argv, programOptions, 'stop-at-word');
  const values: Record<string, string | true> = { ...before.values };
  if (values.version) return { kind: 'version', text: `${program.version}\n` };
  if (values.help) return { kind: 'help', text: programHelp(program) };
  if (before.rest.length === 0) throw new UsageError(`no command given (${commandList(program)})`);

  const [name, ...rest] = before.rest as [string, ...string[]];
  if (name === HELP_COMMAND) {
    const about = rest.find((word) => !word.startsWith('-'));
    return { kind: 'help', text: about === undefined ? programHelp(program) : commandHelp(program, findCommand(program, about)) };
  }
  const command = findCommand(program, name);
  const after = readOptions(rest, [...programOptions, ...command.options], 'no-words');
  Object.assign(values, after.values);
  if (values.help) return { kind: 'help', text: commandHelp(program, command) };
  if (values.version) return { kind: 'version', text: `${program.version}\n` };
  return { kind: 'command', command, options: values };
}

function findCommand<Run>(program: ProgramSpec<Run>, name: string): CommandSpec<Run> {
  const command = program.commands.find((candidate) => candidate.name === name);
  if (!command) throw new UsageError(`unknown command '${name}' (${commandList(program)})`);
  return command;
}

const commandList = <Run>(program: ProgramSpec<Run>) => `commands: ${program.commands.map((c) => c.name).join(', ')}`;

/**
 * The options in `args`, checked against `specs`: --name, --name=VALUE,
 * --name VALUE and -x. With 'stop-at-word' the first word that is not an
 * option ends them and is returned with what follows; with 'no-words' such a
 * word is an error.
 */
function readOptions(args: readonly string[], specs: readonly OptionSpec[], words: 'stop-at-word' | 'no-words') {
  const values: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      if (words === 'no-words') throw new UsageError(`unexpected argument '${arg}'`);
      return { values, rest: args.slice(i) };
    }
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const rawName = equals === -1 ? arg : arg.slice(0, equals);
    const spec = specs.find((candidate) => rawName === `--${candidate.name}` || (candidate.short && rawName === `-${candidate.short}`));
    if (!spec) throw new UsageError(`unknown option '${rawName}'`);
    const value = equals !== -1 ? arg.slice(equals + 1) : spec.value ? args[++i] : undefined;
    values[spec.name] = optionValue(spec, rawName, value);
  }
  return { values, rest: [] as string[] };
}

function optionValue(spec: OptionSpec, rawName: string, value: string | undefined): string | true {
  if (!spec.value) {
    if (value !== undefined) throw new UsageError(`option '${rawName}' takes no value`);
    return true;
  }
  if (value === undefined) throw new UsageError(`option '${rawName}' needs a value (${spec.value})`);
  if (spec.choices && !spec.choices.includes(value)) {
    throw new UsageError(`option '${rawName}' cannot be '${value}' (one of: ${spec.choices.join(', ')})`);
  }
  return value;
}

function programHelp<Run>(program: ProgramSpec<Run>): string {
  const commands = [
    ...program.commands.map((command): [string, string] => [command.name, command.description]),
    [`${HELP_COMMAND} [COMMAND]`, 'show the help of a command'] as [string, string],
  ];
  return [
    `Usage: ${program.name} ${program.options.map(optionUsage).join(' ')} COMMAND [OPTIONS]`,
    '',
    ...wrap(program.description, WIDTH),
    '',
    'Commands:',
    ...table(commands),
    '',
    'Options:',
    ...table([...program.options, HELP, VERSION].map(optionRow)),
    '',
    program.seeAlso,
    '',
  ].join('\n');
}

function commandHelp<Run>(program: ProgramSpec<Run>, command: CommandSpec<Run>): string {
  return [
    `Usage: ${program.name} ${program.options.map(optionUsage).join(' ')} ${[command.name, ...command.options.map(optionUsage)].join(' ')}`,
    '',
    ...wrap(command.description, WIDTH),
    '',
    'Options:',
    ...table([...command.options, HELP].map(optionRow)),
    '',
  ].join('\n');
}

const optionUsage = (spec: OptionSpec) => `[--${spec.name}${spec.value ? ` ${spec.value}` : ''}]`;

function optionRow(spec: OptionSpec): [string, string] {
  const names = `${spec.short ? `-${spec.short}, ` : ''}--${spec.name}${spec.value ? ` ${spec.value}` : ''}`;
  return [names, spec.choices ? `${spec.description}: ${spec.choices.join(', ')}` : spec.description];
}

/** Two columns, the second wrapped to the terminal width of a man page. */
function table(rows: readonly (readonly [string, string])[]): string[] {
  const indent = Math.max(...rows.map(([left]) => left.length)) + 4;
  return rows.flatMap(([left, right]) =>
    wrap(right, WIDTH - indent).map((line, i) => (i === 0 ? `  ${left.padEnd(indent - 2)}${line}` : `${' '.repeat(indent)}${line}`)),
  );
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}
