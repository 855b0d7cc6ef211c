#!/usr/bin/env node
// kexec-reboot end-to-end suite: real boots of Debian 12 and 13 under QEMU
// (TCG). See test/vm/README.md.
//
//   node test/vm/run.mjs [--release 12,13] [--init systemd,sysvinit] [--only base,preload,grub,uefi,secureboot,kdump,sdboot,kured,arm64] [--full] [--jobs 2] [--verbose] [--selftest]
//   node test/vm/run.mjs --only bootcost   (what kexec-reboot costs a boot: systemd-analyze blame)
//   node test/vm/run.mjs --prepare   (build the root filesystems only)
//   node test/vm/run.mjs --reanalyze .cache/vm/run-...   (judge a finished run's serial logs again)
//
// The package: $KEXEC_REBOOT_DEB, else `npm run deb`.
import fs from 'node:fs';
import path from 'node:path';
import { CACHE, REPO, debianMirror, elapsed, ensureHostTools, findDeb, loud, progress, run } from './lib/host.mjs';
import { baseTarball, extractKernel } from './lib/image.mjs';
import { CHAINS, STEPS } from './lib/scenarios.mjs';
import { contextFor, eventsFromSerialLog, judgeChain, runChain, table } from './lib/suite.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const releases = opt('release', '12,13').split(',').map(Number);
const inits = opt('init', 'systemd,sysvinit').split(',');
const jobs = Math.max(1, Math.min(2, Number(opt('jobs', '2'))));
const verbose = argv.includes('--verbose');
const selftest = argv.includes('--selftest');
// --full runs every chain's whole step list, and the runs marked full below;
// without it, each chain's `ci` steps (see CHAINS in lib/scenarios.mjs).
const full = argv.includes('--full');
const only = opt('only', 'base,preload,grub,uefi,secureboot,kdump,sdboot,kured,arm64').split(',');
// --prepare builds the root filesystems the selected runs need, and stops:
// test:all starts it beside the package tests, whose trees are others.
const prepareOnly = argv.includes('--prepare');

// The VM runs, one chain each. base: every release x init; the others are
// systemd only. fullOnly: left to --full.
const VMS = [
  ...[12, 13].flatMap((release) => ['systemd', 'sysvinit'].map((init) => ({ set: 'base', release, init, chain: CHAINS[`${init}-debian${release}`] ? `${init}-debian${release}` : init }))),
  { set: 'preload', release: 13, init: 'systemd', chain: 'preload', label: 'preload' },
  { set: 'preload', release: 12, init: 'systemd', chain: 'preload', label: 'preload', fullOnly: true },
  { set: 'grub', release: 13, init: 'systemd', chain: 'grub', label: 'grub', variant: 'grub', grub: true },
  { set: 'uefi', release: 13, init: 'systemd', chain: 'uefi', label: 'uefi', variant: 'grub', uefi: true },
  ...[12, 13].map((release) => ({ set: 'secureboot', release, init: 'systemd', chain: release === 12 ? 'secureboot-debian12' : 'secureboot', label: 'secureboot', variant: 'secureboot', uefi: true, secureBoot: true })),
  { set: 'kdump', release: 13, init: 'systemd', chain: 'kdump', label: 'kdump', variant: 'kdump' },
  { set: 'sdboot', release: 13, init: 'systemd', chain: 'sdboot', label: 'sdboot', variant: 'sdboot', uefi: true, sdboot: true },
  { set: 'kured', release: 13, init: 'systemd', chain: 'kured', label: 'kured', fullOnly: true },
  // Debian's arm64 port under TCG: AAVMF, the kernel loaded with kexec_load.
  ...[12, 13].map((release) => ({ set: 'arm64', release, init: 'systemd', chain: 'arm64', label: 'arm64', arch: 'arm64', fullOnly: true })),
  { set: 'bootcost', release: 13, init: 'systemd', chain: 'boot-cost', label: 'bootcost' },
];
const stepsOf = (r) => CHAINS[r.chain][full ? 'full' : 'ci'];

async function pool(tasks, n) {
  const results = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

if (argv.includes('--reanalyze')) {
  const dir = opt('reanalyze');
  const uname = (key) => {
    const boot = path.join(dir, `kernel-${key}`, 'boot');
    if (!fs.existsSync(boot)) return undefined;
    const v = fs.readdirSync(boot).find((f) => f.startsWith('vmlinuz-'));
    return v && { uname: v.slice('vmlinuz-'.length) };
  };
  const rows = [];
  for (const f of fs.readdirSync(dir).filter((x) => /^debian\d+-(systemd|sysvinit)(-\w+)?\.serial\.log$/.test(x)).sort()) {
    const events = eventsFromSerialLog(fs.readFileSync(path.join(dir, f), 'utf8'));
    const meta = path.join(dir, f.replace(/\.serial\.log$/, '.run.json'));
    if (fs.existsSync(meta)) {
      const run = JSON.parse(fs.readFileSync(meta, 'utf8'));
      // Runs from before run.json listed the steps ran a chain's whole list.
      rows.push(...judgeChain({ ...run, steps: run.steps ?? CHAINS[run.chain].full, events }).rows);
      continue;
    }
    // Runs from before *.run.json existed.
    const [, rel, init, label] = f.match(/^debian(\d+)-(systemd|sysvinit)(?:-(\w+))?\./);
    const release = Number(rel);
    const chain = label === 'demo' ? 'demo' : label === 'selftest' ? 'selftest' : init;
    const ctx = contextFor(uname(`${release}-${init}`) ?? uname('kernel'), uname(`${release === 13 ? 12 : 13}-systemd`));
    rows.push(...judgeChain({ release, init, steps: CHAINS[chain].full, events, ctx }).rows);
  }
  console.log(table(rows));
  const passed = rows.filter((r) => r.ok).length;
  console.log(`${passed} passed, ${rows.length - passed} failed (judged again from ${dir})`);
  process.exit(passed === rows.length && rows.length > 0 ? 0 : 1);
}

const started = Date.now();
fs.mkdirSync(CACHE, { recursive: true });
const runDir = path.join(CACHE, `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
fs.mkdirSync(runDir, { recursive: true });
progress(`kexec-reboot VM suite: Debian ${releases.join(', ')} x ${inits.join(', ')}, ${jobs} VM(s) at once, TCG; logs in ${path.relative(REPO, runDir)}`);

const runs = selftest
  ? [{ release: 13, init: 'systemd', chain: 'selftest' }]
  : VMS.filter((r) => only.includes(r.set) && releases.includes(r.release) && inits.includes(r.init) && (full || !r.fullOnly) && stepsOf(r).length > 0);
if (runs.length === 0) {
  loud(`nothing to run for --release ${releases.join(',')} --init ${inits.join(',')} --only ${only.join(',')}`);
  process.exit(1);
}

await ensureHostTools({ arm64: runs.some((r) => r.arch === 'arm64') });
const mirror = debianMirror();
const deb = selftest || prepareOnly ? null : await findDeb();
if (deb) progress(`package under test: ${deb}`);
else if (!prepareOnly) progress('SELF-TEST of the harness only: no package installed, no scenario is run');

// The PRELOAD chains need the package's preload units: say so loudly when
// the .deb lacks them (the chain still runs, and its steps fail).
if (deb && runs.some((r) => r.chain === 'preload')) {
  const list = await run('dpkg', ['-c', deb]);
  if (!/lib\/systemd\/system\/kexec-reboot-preload\.service/.test(list)) {
    loud(`${path.basename(deb)} has no kexec-reboot-preload.service (dpkg -c): the PRELOAD scenarios will FAIL`);
  }
}

// Root filesystems: one per (release, init, variant), cached; scenario 6 and
// the GRUB chains boot the other release's kernel, so chains with such a
// step need both systemd trees.
const treeKey = (r) => `${r.release}/${r.init}${r.variant ? `/${r.variant}` : ''}${r.arch ? `/${r.arch}` : ''}`;
const needed = new Map();
for (const r of runs) needed.set(treeKey(r), { release: r.release, init: r.init, variant: r.variant, arch: r.arch });
if (runs.some((r) => stepsOf(r).some((id) => STEPS[id].needsAlt))) for (const rel of [12, 13]) needed.set(`${rel}/systemd`, { release: rel, init: 'systemd' });
const tBuild = Date.now();
const tars = new Map();
try {
  await pool(
    [...needed.entries()].map(([key, c]) => async () => tars.set(key, await baseTarball({ ...c, mirror }))),
    2,
  );
} catch (e) {
  loud(`building a guest root filesystem failed:\n${e.message}`);
  process.exit(1);
}
if (prepareOnly) {
  progress(`root filesystems ready in ${((Date.now() - tBuild) / 1000).toFixed(0)} s (--prepare: no VM run)`);
  process.exit(0);
}
const kernels = new Map();
for (const [key, tar] of tars) kernels.set(key, await extractKernel(tar, path.join(runDir, `kernel-${key.replaceAll('/', '-')}`)));
const buildSeconds = (Date.now() - tBuild) / 1000;
progress(`root filesystems ready in ${buildSeconds.toFixed(0)} s`);

// Longest chains first, so two VMs at once finish together.
const weight = (r) => stepsOf(r).length * (r.arch === 'arm64' ? 2.5 : r.uefi ? 1.3 : 1) + (r.init === 'systemd' ? 0.5 : 0);
runs.sort((a, b) => weight(b) - weight(a));
const results = await pool(
  runs.map((r) => async () => {
    try {
      return await runChain({
        ...r,
        full,
        tar: tars.get(treeKey(r)),
        kernel: kernels.get(treeKey(r)),
        alt: kernels.get(`${r.release === 13 ? 12 : 13}/systemd`),
        deb,
        dir: runDir,
        verbose,
      });
    } catch (e) {
      loud(`debian${r.release}/${r.init}${r.label ? `/${r.label}` : ''}: ${e.message}`);
      return { rows: [{ id: '-', title: `VM run could not start: ${e.message.split('\n')[0]}`, release: r.release, init: r.label ? `${r.init}+${r.label}` : r.init, expected: '-', observed: 'error', down: null, up: null, ok: false, note: e.message.split('\n').slice(0, 3).join(' ') }], vmSeconds: 0, name: `debian${r.release}-${r.init}${r.label ? `-${r.label}` : ''}` };
    }
  }),
  jobs,
);

const rows = results.flatMap((r) => r.rows);
console.log('');
console.log(table(rows));
console.log('');
console.log(`timings: root filesystems ${buildSeconds.toFixed(0)} s; ${results.map((r) => `${r.name} ${r.vmSeconds.toFixed(0)} s (${r.rows.length} steps)`).join(', ')}; total ${elapsed(Date.now() - started)}`);
console.log(`logs: ${path.relative(REPO, runDir)}`);
const passed = rows.filter((r) => r.ok).length;
const failed = rows.length - passed;
console.log(`${passed} passed, ${failed} failed${selftest ? ' (harness self-test, no package)' : ''}`);
process.exit(failed === 0 && rows.length > 0 ? 0 : 1);
