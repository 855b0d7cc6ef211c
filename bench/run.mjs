// npm run bench: kexec-reboot's start-up cost, side by side with Node's own
// start-up floor and with Debian 13's shell kexec-load-kernel doing the same
// job, all against one fake root and one fake kexec. Wall time by hyperfine
// (medians), peak RSS by /usr/bin/time -v (max of several runs).
// Prints a Markdown table and writes it, with the conditions, to bench/results.md.
//
// Environment: BENCH_RUNS (runs per round, default 20), BENCH_ROUNDS (default 3;
// the command order rotates each round), BENCH_WARMUP (default 5),
// BENCH_RSS_RUNS (default 5), BENCH_REFRESH=1 (fetch kexec-load-kernel again).
// Exit status: 0 when the benchmark ran (targets met or not), 1 when it could not.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kexecLoadKernel } from './fetch-kexec-load-kernel.mjs';
import { makeFakeRoot, patchKexecLoadKernel, REDIRECTED_PATHS } from './fake-root.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(repo, 'dist', 'kexec-reboot.cjs');
const resultsFile = path.join(repo, 'bench', 'results.md');
const intEnv = (name, fallback, min) => {
  const value = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(value) && value >= min ? value : fallback;
};
const RUNS = intEnv('BENCH_RUNS', 20, 20);
const ROUNDS = intEnv('BENCH_ROUNDS', 3, 1);
const WARMUP = intEnv('BENCH_WARMUP', 5, 1);
const RSS_RUNS = intEnv('BENCH_RSS_RUNS', 5, 1);
// The start-up budget: what people and orchestrators run (status) stays close
// to bare Node; what runs a program (load, the hook) pays for execa and the spawn.
const TARGET_STATUS_RATIO = 1.3;
const TARGET_LOAD_RATIO = 2.0;
const TARGET_RSS_MB = 60;

const log = (message) => process.stderr.write(`bench: ${message}\n`);
class CannotRun extends Error {}

function have(program) {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** hyperfine and /usr/bin/time, installed with apt-get when missing and we are root. */
function ensureTools() {
  const missing = [];
  if (!have('hyperfine')) missing.push('hyperfine');
  if (!fs.existsSync('/usr/bin/time')) missing.push('time');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new CannotRun(`missing ${missing.join(', ')}: apt-get install ${missing.join(' ')} (as root)`);
  log(`installing ${missing.join(', ')} with apt-get`);
  execFileSync('apt-get', ['install', '-y', '-q', ...missing], { stdio: ['ignore', 'inherit', 'inherit'] });
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** npm run build when dist/ is missing or older than src/. */
function ensureBuilt() {
  const built = fs.existsSync(dist) ? fs.statSync(dist).mtimeMs : 0;
  const source = newestMtime(path.join(repo, 'src'));
  if (built >= source) {
    log('dist/ is up to date with src/');
    return;
  }
  log(built ? 'dist/ is older than src/: npm run build' : 'dist/ is missing: npm run build');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0 || !fs.existsSync(dist)) throw new CannotRun('npm run build failed');
}

function loadavg() {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function busiest() {
  // Other work only: not this benchmark, nor the npm and shells that started it.
  const ours = new Set();
  for (let pid = process.pid; pid > 1 && !ours.has(pid); ) {
    ours.add(pid);
    try {
      pid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
    } catch {
      break;
    }
  }
  const out = spawnSync('ps', ['-eo', 'pid=,pcpu=,comm=', '--sort=-pcpu'], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pid, , ...name]) => name.length && !ours.has(Number(pid)) && name.join(' ') !== 'ps')
    .slice(0, 3)
    .map(([, cpu, ...name]) => `${name.join(' ')} ${cpu}%`)
    .join(', ');
}

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return { nproc: execFileSync('nproc', { encoding: 'utf8' }).trim(), model };
}

const quoteArg = (a) => (a === '' ? "''" : /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
const shellLine = (argv) => argv.map(quoteArg).join(' ');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stddev = (xs) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};

/** One run, checked: exit 0, and for a load, the fake kexec ran and kexec_loaded is 1. */
function verify(bench, root, env) {
  root.reset();
  const r = spawnSync(bench.argv[0], bench.argv.slice(1), { env, encoding: 'utf8' });
  if (r.status !== 0) throw new CannotRun(`${bench.name} exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  if (!bench.loads) return null;
  const loaded = fs.readFileSync(root.loadedFile, 'utf8').trim();
  if (loaded !== '1' || !fs.existsSync(root.argvFile)) throw new CannotRun(`${bench.name} did not run kexec -l`);
  return fs.readFileSync(root.argvFile, 'utf8').trimEnd().split('\n');
}

function peakRss(bench, root, env) {
  const out = path.join(root.dir, 'time-v.out');
  let peak = 0;
  for (let i = 0; i < RSS_RUNS; i += 1) {
    root.reset();
    const r = spawnSync('/usr/bin/time', ['-v', '-o', out, ...bench.argv], { env, stdio: 'ignore' });
    if (r.status !== 0) throw new CannotRun(`/usr/bin/time -v ${bench.name} exited ${r.status}`);
    const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(out, 'utf8'))?.[1]);
    if (!Number.isFinite(kb)) throw new CannotRun('no "Maximum resident set size" in /usr/bin/time -v output');
    peak = Math.max(peak, kb);
  }
  return peak; // KiB, as getrusage reports it
}

function main() {
  ensureTools();
  ensureBuilt();
  const started = new Date();
  const loadStart = loadavg();
  const busyStart = busiest();
  const { nproc, model } = machine();
  const hyperfineVersion = execFileSync('hyperfine', ['--version'], { encoding: 'utf8' }).trim();

  let shell = null;
  let shellProblem = null;
  try {
    shell = kexecLoadKernel({ refresh: process.env.BENCH_REFRESH === '1' });
    log(`kexec-load-kernel from kexec-tools ${shell.version}${shell.cached ? ' (cached in .cache/bench/)' : ''}`);
  } catch (error) {
    shellProblem = `could not fetch Debian 13's kexec-load-kernel: ${error.message}`;
    log(`${shellProblem}; measuring the rest`);
  }

  const root = makeFakeRoot();
  log(`fake root ${root.dir}`);
  try {
    const env = { ...process.env, KEXEC_REBOOT_KEXEC: root.kexec };
    const node = process.execPath;
    const benches = [
      { name: 'kexec-reboot load', argv: [node, dist, '--root', root.dir, 'load'], loads: true },
      { name: 'kexec-reboot hook --verb reboot', argv: [node, dist, '--root', root.dir, 'hook', '--verb', 'reboot'], loads: true },
      { name: 'kexec-reboot status', argv: [node, dist, '--root', root.dir, 'status'], loads: false },
      { name: "node -e ''", argv: [node, '-e', ''], loads: false },
    ];
    let patch = null;
    if (shell) {
      patch = patchKexecLoadKernel(shell.script, root);
      log(`patched copy of kexec-load-kernel: ${patch.changedLines} lines differ, only by the fake-root prefix`);
      benches.push({ name: 'kexec-load-kernel (Debian 13, sh)', argv: [patch.file], loads: true });
    }

    log('checking each command once against the fake root');
    for (const bench of benches) {
      bench.kexecArgv = verify(bench, root, env);
      if (bench.kexecArgv) log(`  ${bench.name}: kexec ${shellLine(bench.kexecArgv)}`);
    }

    // Every run starts with no kernel loaded: kexec-load-kernel stops early when one is.
    const prepare = `sh -c 'echo 0 > ${root.loadedFile}'`;
    const samples = new Map(benches.map((b) => [b.name, { wall: [], user: [], system: [] }]));
    const hyperfineLines = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = benches.map((_, i) => benches[(i + round) % benches.length]);
      const json = path.join(root.dir, `hyperfine-${round}.json`);
      const args = ['-N', '--style', 'basic', '--warmup', String(WARMUP), '--runs', String(RUNS), '--prepare', prepare, '--export-json', json];
      for (const b of order) args.push('-n', b.name, shellLine(b.argv));
      hyperfineLines.push(shellLine(['hyperfine', ...args]));
      log(`hyperfine round ${round + 1}/${ROUNDS}: ${benches.length} commands, ${WARMUP} warmups + ${RUNS} runs each`);
      const r = spawnSync('hyperfine', args, { env, stdio: ['ignore', 2, 'inherit'] });
      if (r.status !== 0) throw new CannotRun(`hyperfine exited ${r.status}`);
      for (const result of JSON.parse(fs.readFileSync(json, 'utf8')).results) {
        const s = samples.get(result.command);
        s.wall.push(...result.times);
        s.user.push(result.user);
        s.system.push(result.system);
      }
    }

    log(`peak RSS: /usr/bin/time -v, ${RSS_RUNS} runs each`);
    for (const bench of benches) {
      const s = samples.get(bench.name);
      bench.median = median(s.wall) * 1000;
      bench.mean = mean(s.wall) * 1000;
      bench.sd = stddev(s.wall) * 1000;
      bench.min = Math.min(...s.wall) * 1000;
      bench.cpu = (mean(s.user) + mean(s.system)) * 1000;
      bench.n = s.wall.length;
      bench.rssKiB = peakRss(bench, root, env);
    }

    const loadEnd = loadavg();
    const busyEnd = busiest();
    const report = render({
      benches, started, loadStart, loadEnd, busyStart, busyEnd, nproc, model, hyperfineVersion, hyperfineLines,
      shell, shellProblem, patch, root,
    });
    process.stdout.write(`${report.table}\n\n${report.ratios}\n\n${report.targets}\n`);
    fs.writeFileSync(resultsFile, report.markdown);
    log(`wrote ${path.relative(repo, resultsFile)}`);
  } finally {
    root.remove();
  }
}

const fmt = (x, digits = 1) => x.toFixed(digits);
const mb = (kib) => (kib * 1024) / 1e6;

function render(r) {
  const [load, hook, status, bare, shell] = r.benches;
  // Paths as a reader of results.md can reuse them: the fake root as $ROOT, the checkout as relative.
  const portable = (text) => text.replaceAll(r.root.dir, '$ROOT').replaceAll(`${repo}/`, '');
  const table = [
    '| command | median wall (ms) | mean ± σ (ms) | min (ms) | CPU user+sys (ms) | peak RSS (MB) | median / `node -e \'\'` |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.benches.map(
      (b) =>
        `| \`${b.name}\` | ${fmt(b.median)} | ${fmt(b.mean)} ± ${fmt(b.sd)} | ${fmt(b.min)} | ${fmt(b.cpu)} | ${fmt(mb(b.rssKiB))} | ${fmt(b.median / bare.median, 2)} |`,
    ),
  ];
  if (!shell) table.push(`| \`kexec-load-kernel (Debian 13, sh)\` | not run: ${r.shellProblem} | | | | | |`);

  const verdict = (ok) => (ok ? 'met' : '**MISSED**');
  const ratio = (b) => b.median / bare.median;
  const budget = [
    { bench: load, target: TARGET_LOAD_RATIO },
    { bench: hook, target: TARGET_LOAD_RATIO },
    { bench: status, target: TARGET_STATUS_RATIO },
  ];
  const rssMax = Math.max(load.rssKiB, hook.rssKiB, status.rssKiB);
  const ratios = [
    '| ratio | wall (medians) | CPU user+sys | target |',
    '| --- | ---: | ---: | --- |',
    ...budget.map(({ bench, target }) => `| \`${bench.name.replace(/^kexec-reboot /, '')}\` / \`node -e ''\` | ${fmt(ratio(bench), 2)} | ${fmt(bench.cpu / bare.cpu, 2)} | <= ${target}: ${verdict(ratio(bench) <= target)} |`),
    shell
      ? `| \`load\` / \`kexec-load-kernel\` | ${fmt(load.median / shell.median, 2)} | ${fmt(load.cpu / shell.cpu, 2)} | |`
      : "| `load` / `kexec-load-kernel` | not run | | |",
    `| peak RSS of \`load\`, \`hook\`, \`status\` | ${fmt(mb(rssMax))} MB | | < ${TARGET_RSS_MB} MB: ${verdict(mb(rssMax) < TARGET_RSS_MB)} |`,
  ];

  const targets = `Targets: ${budget.map(({ bench, target }) => `\`${bench.name.replace(/^kexec-reboot /, '')}\` <= ${target} x \`node -e ''\`: ${ratio(bench) <= target ? 'met' : 'MISSED'} (${fmt(ratio(bench), 2)} x)`).join('; ')}; peak RSS < ${TARGET_RSS_MB} MB: ${mb(rssMax) < TARGET_RSS_MB ? 'met' : 'MISSED'} (${fmt(mb(rssMax))} MB).`;
  const perCpu = Math.max(...[r.loadStart, r.loadEnd].map((l) => Number(l.split(' ')[0]))) / Number(r.nproc);
  const busy =
    perCpu >= 0.5
      ? `**busy**: 1-minute load ${fmt(perCpu, 2)} per CPU; wall times are inflated and noisier than on an idle machine (CPU user+sys is less affected)`
      : `quiet (1-minute load at most ${fmt(perCpu, 2)} per CPU)`;
  const lines = [
    '# kexec-reboot benchmark',
    '',
    `Measured ${r.started.toISOString()} by \`npm run bench\` ([bench/run.mjs](run.mjs); how and why: [bench/README.md](README.md)).`,
    '',
    ...table,
    '',
    ...ratios,
    '',
    targets,
    '',
    '## Conditions',
    '',
    `- machine: \`nproc\` ${r.nproc}, CPU: ${r.model}`,
    `- Node.js ${process.version}, ${r.hyperfineVersion}, GNU time (\`/usr/bin/time -v\`)`,
    `- load average (1, 5, 15 min) at start: ${r.loadStart}; at end: ${r.loadEnd}. Machine ${busy}.`,
    `- busiest processes at start: ${r.busyStart || 'none'}; at end: ${r.busyEnd || 'none'}`,
    r.shell
      ? `- \`kexec-load-kernel\`: Debian 13 (trixie) kexec-tools ${r.shell.version}, /usr/sbin/kexec-load-kernel, run through a copy whose only change is the fake root's directory in front of ${REDIRECTED_PATHS.map((p) => `\`${p}\``).join(', ')} (${r.patch.changedLines} lines; checked byte for byte at run time)`
      : `- \`kexec-load-kernel\`: not run: ${r.shellProblem}`,
    `- wall times: ${ROUNDS} hyperfine rounds × ${RUNS} runs (after ${WARMUP} warmups per command and round; command order rotated each round), ${load.n} runs per command in all; median, mean and min over all of them. CPU user+sys: mean over the rounds.`,
    `- every run starts with \`sys/kernel/kexec_loaded\` at 0 (hyperfine \`--prepare\`, not timed), so both loaders run \`kexec -l\` each time`,
    `- peak RSS: max of ${RSS_RUNS} runs of \`/usr/bin/time -v COMMAND\` ("Maximum resident set size", KiB; shown here in MB = 10^6 bytes)`,
    '- the fake kexec both loaders ran, with its arguments:',
    ...r.benches.filter((b) => b.kexecArgv).map((b) => `  - \`${b.name}\`: \`kexec ${portable(shellLine(b.kexecArgv))}\``),
    '',
    'The exact commands, quoted for sh, run from the checkout (`$ROOT` is the temporary fake root; `KEXEC_REBOOT_KEXEC=$ROOT/sbin/kexec` in the environment):',
    '',
    '```sh',
    ...r.hyperfineLines.map(portable),
    ...r.benches.map((b) => portable(shellLine(['/usr/bin/time', '-v', ...b.argv]))),
    '```',
    '',
  ];
  return { table: table.join('\n'), ratios: ratios.join('\n'), targets, markdown: lines.join('\n') };
}

try {
  main();
} catch (error) {
  log(error instanceof CannotRun ? `cannot run: ${error.message}` : `cannot run: ${error.stack}`);
  process.exitCode = 1;
}
