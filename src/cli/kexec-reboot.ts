import { formatDiagnostic } from '../config/config.js';
import type { RunOutcome } from '../act/kexec-runner.js';
import { describeOutcome } from '../act/carry-out.js';
import { runShutdownHook } from '../commands/hook.js';
import { check, effectiveConfig, status } from '../commands/inspect.js';
import { load, preload, unload } from '../commands/load.js';
import { createLog } from '../host/log.js';
import { systemRoot, type SystemRoot } from '../host/system-root.js';
import { programsFromEnvironment } from '../host/programs.js';
import { SHUTDOWN_VERBS, type ShutdownVerb } from '../host/shutdown-verb.js';
import { configJson, configText, shellQuote, statusJson, statusText } from './report.js';
import { parseCommandLine, type OptionSpec, type OptionValues, type ProgramSpec } from './command-line.js';
import { VERSION } from './version.js';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const print = (text: string): void => {
  process.stdout.write(text);
};
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2) + '\n');
const warn = (warning: string) => process.stderr.write(`warning: ${warning}\n`);
const fail = (message: string) => {
  process.stderr.write(`kexec-reboot: ${message}\n`);
  process.exitCode = EXIT_FAILURE;
};

const reportOutcome = (outcome: RunOutcome) => (outcome.ok ? print(`${outcome.detail}\n`) : fail(outcome.detail));

interface Invocation {
  readonly root: SystemRoot;
  readonly options: OptionValues;
}

const programs = programsFromEnvironment();
const JSON_OPTION: OptionSpec = { name: 'json', description: 'machine-readable output' };

const PROGRAM: ProgramSpec<(invocation: Invocation) => void | Promise<void>> = {
  name: 'kexec-reboot',
  description: 'Make reboots use kexec: see what the next reboot will do, and load its kernel.',
  version: VERSION,
  options: [{ name: 'root', value: 'DIR', description: 'read every system path (/etc, /proc, /sys, /boot, /run) under DIR (default: /)' }],
  seeAlso: 'See kexec-reboot(8) and kexec-reboot.conf(5).',
  commands: [
    {
      name: 'status',
      description: 'what the next reboot will do and why, with kernel, initrd and command line',
      options: [JSON_OPTION],
      run: async ({ root, options }) => {
        const { assessment, kexecCommand } = await status(root, programs);
        if (options.json) printJson(statusJson(assessment, kexecCommand));
        else print(statusText(assessment));
      },
    },
    {
      name: 'config',
      description: 'the effective configuration after kexec.d snippets and defaults, with where each value comes from',
      options: [JSON_OPTION],
      run: ({ root, options }) => {
        const reading = effectiveConfig(root);
        if (options.json) printJson(configJson(reading));
        else print(configText(reading));
      },
    },
    {
      name: 'check',
      description: 'validate the configuration and the files it names; exit 0 when a kexec reboot is possible',
      options: [],
      run: async ({ root }) => {
        const { warnings, errors, ok, summary } = await check(root, programs);
        for (const warning of warnings) warn(formatDiagnostic(warning));
        for (const error of errors) process.stderr.write(`${formatDiagnostic(error)}\n`);
        if (ok) print(`${summary}\n`);
        else if (summary) fail(summary);
        else process.exitCode = EXIT_FAILURE;
      },
    },
    {
      name: 'load',
      description: 'load the planned kernel now (replacing any loaded one)',
      options: [{ name: 'dry-run', description: 'print the exact kexec command instead of running it' }],
      run: async ({ root, options }) => {
        const result = await load(root, programs, { dryRun: Boolean(options['dry-run']) });
        if (result.kind === 'nothing-to-load') return fail(`nothing to load: ${result.why}`);
        result.warnings.forEach(warn);
        if (result.kind === 'dry-run') print(`${shellQuote(result.command)}\n`);
        else reportOutcome(result.outcome);
      },
    },
    {
      name: 'unload',
      description: 'unload any loaded kernel, so the next reboot goes through firmware unless it loads one again',
      options: [{ name: 'if-ours', description: 'only a kernel kexec-reboot loaded, never one loaded by hand; exit 0 when there is none' }],
      run: async ({ root, options }) => reportOutcome(await unload(root, programs, { ifOurs: Boolean(options['if-ours']) })),
    },
    {
      name: 'preload',
      description: 'with PRELOAD=true: load the planned kernel now, or again if what it is made from changed',
      options: [],
      run: async ({ root }) => {
        const result = await preload(root, programs);
        if (!result.ran) return print(`${result.why}\n`);
        createLog()(result.outcome.path === 'kexec' ? 'notice' : 'warning', `preload: ${describeOutcome(result.outcome)}`);
      },
    },
    {
      name: 'hook',
      description: 'shutdown hook: on a reboot, load the planned kernel; always exits 0 so the shutdown goes on',
      options: [{ name: 'verb', value: 'VERB', choices: SHUTDOWN_VERBS, description: 'the shutdown under way (default: ask systemd)' }],
      run: ({ root, options }) => runShutdownHook(root, programs, createLog(), options.verb as ShutdownVerb | undefined),
    },
  ],
};

async function main(argv: readonly string[]): Promise<void> {
  const commandLine = parseCommandLine(PROGRAM, argv);
  switch (commandLine.kind) {
    case 'help':
    case 'version':
      return print(commandLine.text);
    case 'usage-error':
      process.stderr.write(`kexec-reboot: ${commandLine.message}\nTry 'kexec-reboot --help'.\n`);
      process.exitCode = EXIT_USAGE;
      return;
    case 'command':
      try {
        const { command, options } = commandLine;
        await command.run({ root: systemRoot(typeof options.root === 'string' ? options.root : '/'), options });
      } catch (error) {
        fail((error as Error).message);
      }
  }
}

void main(process.argv.slice(2));
