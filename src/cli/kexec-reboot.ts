import { Command, CommanderError, Option } from 'commander';
import { formatDiagnostic } from '../config/config.js';
import { readConfig } from '../config/read-config.js';
import { createKexecRunner } from '../act/kexec-runner.js';
import { carryOut, describeOutcome } from '../act/carry-out.js';
import { runShutdownHook } from '../act/shutdown-hook.js';
import { createLog } from '../log.js';
import { assess, planFreshLoad } from '../pipeline.js';
import { systemRoot, type SystemRoot } from '../system-root.js';
import { programsFromEnvironment } from '../system/programs.js';
import { SHUTDOWN_VERBS, type ShutdownVerb } from '../system/shutdown-verb.js';
import { configJson, configText, shellQuote, statusJson, statusText } from './report.js';
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

function build(): Command {
  const program = new Command('kexec-reboot')
    .description('Make reboots use kexec: see what the next reboot will do, and load its kernel')
    .version(VERSION)
    .option('--root <dir>', 'read every system path (/etc, /proc, /sys, /boot, /run) under DIR', '/')
    .showHelpAfterError()
    .exitOverride();
  const root = (): SystemRoot => systemRoot(program.opts<{ root: string }>().root);
  const programs = programsFromEnvironment();
  const runner = (r: SystemRoot) => createKexecRunner({ root: r, kexec: programs.kexec, callTimeoutMs: MANUAL_CALL_TIMEOUT_MS });

  program
    .command('status')
    .description('what the next reboot will do and why, with kernel, initrd and command line')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const r = root();
      const assessment = await assess(r, programs);
      const { plan } = assessment;
      if (!options.json) return print(statusText(assessment));
      printJson(statusJson(assessment, plan.action === 'kexec' && plan.reason === 'configured' ? [programs.kexec, ...runner(r).loadArgv(plan.load)] : undefined));
    });

  program
    .command('config')
    .description('the effective configuration after kexec.d snippets and defaults, with where each value comes from')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => {
      const reading = readConfig(root());
      if (options.json) printJson(configJson(reading));
      else print(configText(reading));
    });

  program
    .command('check')
    .description('validate the configuration and the files it names; exit 0 when a kexec reboot is possible')
    .action(async () => {
      const assessment = await assess(root(), programs);
      const { reading } = assessment;
      for (const warning of reading.warnings) process.stderr.write(`warning: ${formatDiagnostic(warning)}\n`);
      for (const error of reading.errors) process.stderr.write(`${formatDiagnostic(error)}\n`);
      const fresh = planFreshLoad(assessment);
      if (reading.errors.length > 0) process.exitCode = EXIT_FAILURE;
      else if (fresh.action === 'cold' && fresh.reason !== 'disabled') fail(fresh.why);
      else print(fresh.action === 'cold' ? `configuration OK; ${fresh.why}: reboots go through firmware\n` : 'configuration OK\n');
    });

  program
    .command('load')
    .description('load the planned kernel now (replacing any loaded one)')
    .option('--dry-run', 'print the exact kexec command instead of running it')
    .action(async (options: { dryRun?: boolean }) => {
      const r = root();
      const plan = planFreshLoad(await assess(r, programs));
      if (plan.action !== 'kexec' || plan.reason !== 'configured') return fail(`nothing to load: ${plan.why}`);
      for (const warning of plan.warnings) process.stderr.write(`warning: ${warning}\n`);
      const kexec = runner(r);
      if (options.dryRun) return print(shellQuote([programs.kexec, ...kexec.loadArgv(plan.load)]) + '\n');
      const outcome = await kexec.load(plan.load);
      if (outcome.ok) print(`${outcome.detail}\n`);
      else fail(outcome.detail);
    });

  program
    .command('unload')
    .description('unload any loaded kernel, so the next reboot goes through firmware unless it loads one again')
    .action(async () => {
      const outcome = await runner(root()).unload();
      if (outcome.ok) print(`${outcome.detail}\n`);
      else fail(outcome.detail);
    });

  program
    .command('preload')
    .description('with PRELOAD=true: load the planned kernel now, or again if what it is made from changed')
    .action(async () => {
      const r = root();
      const assessment = await assess(r, programs);
      if (!assessment.reading.config.preload.value) return print(`PRELOAD is false (${assessment.reading.config.preload.origin}): nothing to do\n`);
      const outcome = await carryOut(assessment.plan, runner(r), assessment.system.kernelLoaded);
      createLog()(outcome.path === 'kexec' ? 'notice' : 'warning', `preload: ${describeOutcome(outcome)}`);
    });

  program
    .command('hook')
    .description('shutdown hook: on a reboot, load the planned kernel; always exits 0 so the shutdown goes on')
    .addOption(new Option('--verb <verb>', 'the shutdown under way (default: ask systemd)').choices(SHUTDOWN_VERBS))
    .action(async (options: { verb?: ShutdownVerb }) => {
      await runShutdownHook(root(), programs, createLog(), options.verb);
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await build().parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    fail((error as Error).message);
  }
}

await main(process.argv.slice(2));
