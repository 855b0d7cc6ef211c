import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { formatDiagnostic } from '../config/config.js';
import type { RunOutcome } from '../act/kexec-runner.js';
import { runShutdownHook } from '../commands/hook.js';
import { check, effectiveConfig, status } from '../commands/inspect.js';
import { load, logPreload, preload, unload } from '../commands/load.js';
import { completeThisBoot, rebootHistory, resumeKexec } from '../commands/history.js';
import { createLog } from '../host/log.js';
import { systemRoot, type SystemRoot } from '../host/system-root.js';
import { programsFromEnvironment } from '../host/programs.js';
import { SHUTDOWN_VERBS, type ShutdownVerb } from '../host/shutdown-verb.js';
import { configJson, configText, shellQuote, statusJson, statusText } from './report.js';
import { historyJson, historyText } from './history-report.js';
import { VERSION } from './version.js';

const NAME = 'kexec-reboot';
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const print = (text: string): void => {
  process.stdout.write(text);
};
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2) + '\n');
const warn = (warning: string) => process.stderr.write(`warning: ${warning}\n`);
const fail = (message: string) => {
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exitCode = EXIT_FAILURE;
};

const reportOutcome = (outcome: RunOutcome) => (outcome.ok ? print(`${outcome.detail}\n`) : fail(outcome.detail));

const programs = programsFromEnvironment();

interface JsonOption {
  readonly json?: true;
}

async function showStatus(root: SystemRoot, { json }: JsonOption): Promise<void> {
  const { assessment, kexecCommand } = await status(root, programs);
  if (json) printJson(statusJson(assessment, kexecCommand));
  else print(statusText(assessment));
}

function showConfig(root: SystemRoot, { json }: JsonOption): void {
  const reading = effectiveConfig(root);
  if (json) printJson(configJson(reading));
  else print(configText(reading));
}

async function runCheck(root: SystemRoot): Promise<void> {
  const { warnings, errors, ok, summary } = await check(root, programs);
  for (const warning of warnings) warn(formatDiagnostic(warning));
  for (const error of errors) process.stderr.write(`${formatDiagnostic(error)}\n`);
  if (ok) print(`${summary}\n`);
  else if (summary) fail(summary);
  else process.exitCode = EXIT_FAILURE;
}

async function runLoad(root: SystemRoot, { dryRun }: { readonly dryRun?: true }): Promise<void> {
  const result = await load(root, programs, { dryRun: Boolean(dryRun) });
  if (result.kind === 'nothing-to-load') return fail(`nothing to load: ${result.why}`);
  result.warnings.forEach(warn);
  if (result.kind === 'dry-run') print(`${shellQuote(result.command)}\n`);
  else reportOutcome(result.outcome);
}

async function runPreload(root: SystemRoot): Promise<void> {
  const result = await preload(root, programs);
  if (!result.ran) return print(`${result.why}\n`);
  logPreload(createLog(), result.outcome);
}

function showHistory(root: SystemRoot, { json, number }: JsonOption & { readonly number: number }): void {
  const { newestFirst, problem } = rebootHistory(root, number);
  if (problem) warn(problem);
  if (json) printJson(historyJson(newestFirst));
  else print(historyText(newestFirst));
}

const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
};

/** The command line, parsed by commander; a usage error or a help or version request ends the parse with a CommanderError. */
function commandLine(): Command {
  const program = new Command(NAME)
    .description('Make reboots use kexec: see what the next reboot will do, and load its kernel.')
    .option('--root <dir>', 'read every system path (/etc, /proc, /sys, /boot, /run) under this directory', '/')
    .version(VERSION, '-V, --version', 'show the version')
    .addHelpText('after', '\nSee kexec-reboot(8) and kexec-reboot.conf(5).')
    // Each command copies these settings when it is added, so they come first.
    .helpOption('-h, --help', 'show this help')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: (message, write) => write(`${NAME}: ${message.replace(/^error: /, '')}`) })
    .showHelpAfterError(`Try '${NAME} --help'.`)
    .exitOverride();
  const root = () => systemRoot(program.opts<{ root: string }>().root);
  const json = ['--json', 'machine-readable output'] as const;

  program
    .command('status')
    .description('what the next reboot will do and why, with kernel, initrd and command line')
    .option(...json)
    .action((options: JsonOption) => showStatus(root(), options));
  program
    .command('config')
    .description('the effective configuration after kexec.d snippets and defaults, with where each value comes from')
    .option(...json)
    .action((options: JsonOption) => showConfig(root(), options));
  program
    .command('check')
    .description('validate the configuration and the files it names; exit 0 when a kexec reboot is possible')
    .action(() => runCheck(root()));
  program
    .command('load')
    .description('load the planned kernel now (replacing any loaded one)')
    .option('--dry-run', 'print the exact kexec command instead of running it')
    .action((options: { readonly dryRun?: true }) => runLoad(root(), options));
  program
    .command('unload')
    .description('unload any loaded kernel, so the next reboot goes through firmware unless it loads one again')
    .option('--if-ours', 'only a kernel kexec-reboot loaded, never one loaded by hand; exit 0 when there is none')
    .action(async ({ ifOurs }: { readonly ifOurs?: true }) => reportOutcome(await unload(root(), programs, { ifOurs: Boolean(ifOurs) })));
  program
    .command('preload')
    .description('with PRELOAD=true: load the planned kernel now, or again if what it is made from changed')
    .action(() => runPreload(root()));
  program
    .command('history')
    .description('the last reboots, newest first: how each ended, the downtime measured, the kernel, why it was not a kexec')
    .option(...json)
    .option('-n, --number <count>', 'how many reboots to show', positiveInteger, 10)
    .action((options: JsonOption & { readonly number: number }) => showHistory(root(), options));
  program
    .command('resume')
    .description('kexec again after a kexec boot that did not come up paused it')
    .action(() => {
      const { said, warning } = resumeKexec(root(), createLog());
      print(`${said}\n`);
      if (warning) warn(warning);
    });
  program
    .command('boot-complete')
    .description('run once a boot is up (kexec-reboot-boot.service): complete the reboot history, write the metrics, preload with PRELOAD=true')
    .action(() => completeThisBoot(root(), programs, createLog()));
  program
    .command('hook')
    .description('shutdown hook: on a reboot, load the planned kernel; always exits 0 so the shutdown goes on')
    .addOption(new Option('--verb <verb>', 'the shutdown under way (default: ask systemd)').choices(SHUTDOWN_VERBS))
    .action(({ verb }: { readonly verb?: ShutdownVerb }) => runShutdownHook(root(), programs, createLog(), verb));

  const commandList = () => `commands: ${program.commands.map((command) => command.name()).join(', ')}`;
  const unknownCommand = (name: string | undefined): never =>
    program.error(name === undefined ? `no command given (${commandList()})` : `unknown command '${name}' (${commandList()})`);
  program
    .command('help [command]')
    .description('show the help of a command')
    .action((name: string | undefined) => {
      if (name === undefined) program.help();
      (program.commands.find((command) => command.name() === name) ?? unknownCommand(name)).help();
    });
  return (
    program
      // Reached with no command, or with a word that names none. Allowed only here, after
      // the commands were added with the strict default: a command takes no arguments.
      .allowExcessArguments()
      .action(() => unknownCommand(program.args[0]))
  );
}

async function main(argv: readonly string[]): Promise<void> {
  try {
    await commandLine().parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
    else fail(error instanceof Error ? error.message : String(error));
  }
}

void main(process.argv.slice(2));
