import { formatDiagnostic } from '../config/config.js';
import { readConfig } from '../config/read-config.js';
import { createKexecRunner, type RunOutcome } from '../act/kexec-runner.js';
import { carryOut, describeOutcome } from '../act/carry-out.js';
import { runShutdownHook } from '../commands/hook.js';
import { createLog } from '../host/log.js';
import { assess, planFreshLoad } from '../commands/assess.js';
import { systemRoot, type SystemRoot } from '../host/system-root.js';
import { programsFromEnvironment } from '../host/programs.js';
import { isKernelLoaded } from '../host/facts.js';
import { readLoadRecord } from '../host/load-record.js';
import { whoseKernel } from '../plan/loaded-kernel.js';
import { SHUTDOWN_VERBS, type ShutdownVerb } from '../host/shutdown-verb.js';
import { configJson, configText, shellQuote, statusJson, statusText } from './report.js';
import { parseCommandLine, type OptionSpec, type OptionValues, type ProgramSpec } from './command-line.js';
import { VERSION } from './version.js';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
/** A load by hand may take seconds under emulation; nobody is waiting on a shutdown here. */
const MANUAL_CALL_TIMEOUT_MS = 60_000;

const print = (text: string): void => {
  process.stdout.write(text);
};
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2) + '\n');
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
const runner = (root: SystemRoot) => createKexecRunner({ root, kexec: programs.kexec, callTimeoutMs: MANUAL_CALL_TIMEOUT_MS });
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
        const assessment = await assess(root, programs);
        const { plan } = assessment;
        if (!options.json) return print(statusText(assessment));
        printJson(statusJson(assessment, plan.action === 'kexec' && plan.reason === 'configured' ? [programs.kexec, ...runner(root).loadArgv(plan.load)] : undefined));
      },
    },
    {
      name: 'config',
      description: 'the effective configuration after kexec.d snippets and defaults, with where each value comes from',
      options: [JSON_OPTION],
      run: ({ root, options }) => {
        const reading = readConfig(root);
        if (options.json) printJson(configJson(reading));
        else print(configText(reading));
      },
    },
    {
      name: 'check',
      description: 'validate the configuration and the files it names; exit 0 when a kexec reboot is possible',
      options: [],
      run: async ({ root }) => {
        const assessment = await assess(root, programs);
        const { reading } = assessment;
        for (const warning of reading.warnings) process.stderr.write(`warning: ${formatDiagnostic(warning)}\n`);
        for (const error of reading.errors) process.stderr.write(`${formatDiagnostic(error)}\n`);
        const fresh = planFreshLoad(assessment);
        if (reading.errors.length > 0) process.exitCode = EXIT_FAILURE;
        else if (fresh.action === 'cold' && fresh.reason !== 'disabled') fail(fresh.why);
        else print(fresh.action === 'cold' ? `configuration OK; ${fresh.why}: reboots go through firmware\n` : 'configuration OK\n');
      },
    },
    {
      name: 'load',
      description: 'load the planned kernel now (replacing any loaded one)',
      options: [{ name: 'dry-run', description: 'print the exact kexec command instead of running it' }],
      run: async ({ root, options }) => {
        const plan = planFreshLoad(await assess(root, programs));
        if (plan.action !== 'kexec' || plan.reason !== 'configured') return fail(`nothing to load: ${plan.why}`);
        for (const warning of plan.warnings) process.stderr.write(`warning: ${warning}\n`);
        const kexec = runner(root);
        if (options['dry-run']) return print(shellQuote([programs.kexec, ...kexec.loadArgv(plan.load)]) + '\n');
        reportOutcome(await kexec.load(plan.load));
      },
    },
    {
      name: 'unload',
      description: 'unload any loaded kernel, so the next reboot goes through firmware unless it loads one again',
      options: [{ name: 'if-ours', description: 'only a kernel kexec-reboot loaded, never one loaded by hand; exit 0 when there is none' }],
      run: async ({ root, options }) => {
        if (!options['if-ours']) return reportOutcome(await runner(root).unload());
        const loaded = whoseKernel(isKernelLoaded(root), readLoadRecord(root));
        if (loaded.by === 'nobody') return print('no kernel is loaded: nothing to unload\n');
        if (loaded.by === 'hand') return print('the loaded kernel was loaded by hand, not by kexec-reboot: left loaded\n');
        const unloaded = await runner(root).unload();
        reportOutcome(unloaded.ok ? { ...unloaded, detail: `unloaded the kernel kexec-reboot loaded at ${loaded.record.loadedAt}` } : unloaded);
      },
    },
    {
      name: 'preload',
      description: 'with PRELOAD=true: load the planned kernel now, or again if what it is made from changed',
      options: [],
      run: async ({ root }) => {
        const assessment = await assess(root, programs);
        if (!assessment.reading.config.preload.value) return print(`PRELOAD is false (${assessment.reading.config.preload.origin}): nothing to do\n`);
        const outcome = await carryOut(assessment.plan, runner(root), assessment.system.kernelLoaded);
        createLog()(outcome.path === 'kexec' ? 'notice' : 'warning', `preload: ${describeOutcome(outcome)}`);
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
