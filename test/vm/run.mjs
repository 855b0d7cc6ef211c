#!/usr/bin/env node
// kexec-reboot end-to-end suite: real boots of Debian 12 and 13 under QEMU
// (TCG). See test/vm/README.md.
//
//   node test/vm/run.mjs [--release 12,13] [--init systemd,sysvinit] [--jobs 2] [--verbose] [--selftest]
//   node test/vm/run.mjs --reanalyze .cache/vm/run-...   (judge a finished run's serial logs again)
//
// The package: $KEXEC_REBOOT_DEB, else `npm run deb`.
import fs from 'node:fs';
import path from 'node:path';
import { CACHE, REPO, debianMirror, elapsed, ensureHostTools, findDeb, loud, progress } from './lib/host.mjs';
import { baseTarball, extractKernel } from './lib/image.mjs';
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
    const [, rel, init, label] = f.match(/^debian(\d+)-(systemd|sysvinit)(?:-(\w+))?\./);
    const release = Number(rel);
    const chain = label === 'demo' ? 'demo' : label === 'selftest' ? 'selftest' : init;
    const ctx = contextFor(uname(`${release}-${init}`) ?? uname('kernel'), uname(`${release === 13 ? 12 : 13}-systemd`));
    rows.push(...judgeChain({ release, init, chain, events: eventsFromSerialLog(fs.readFileSync(path.join(dir, f), 'utf8')), ctx }).rows);
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

await ensureHostTools();
const mirror = debianMirror();
const deb = selftest ? null : await findDeb();
if (deb) progress(`package under test: ${deb}`);
else progress('SELF-TEST of the harness only: no package installed, no scenario is run');

// Root filesystems: one per (release, init), cached; scenario 6 boots the
// other release's kernel, so the systemd chains need both systemd trees.
const combos = selftest ? [{ release: 13, init: 'systemd' }] : releases.flatMap((release) => inits.map((init) => ({ release, init })));
const needed = new Map();
for (const c of combos) needed.set(`${c.release}/${c.init}`, c);
if (!selftest && inits.includes('systemd')) for (const r of [12, 13]) needed.set(`${r}/systemd`, { release: r, init: 'systemd' });
const tBuild = Date.now();
const tars = new Map();
try {
  await pool(
    [...needed.values()].map((c) => async () => tars.set(`${c.release}/${c.init}`, await baseTarball({ ...c, mirror }))),
    2,
  );
} catch (e) {
  loud(`building a guest root filesystem failed:\n${e.message}`);
  process.exit(1);
}
const kernels = new Map();
for (const [key, tar] of tars) kernels.set(key, await extractKernel(tar, path.join(runDir, `kernel-${key.replace('/', '-')}`)));
const buildSeconds = (Date.now() - tBuild) / 1000;
progress(`root filesystems ready in ${buildSeconds.toFixed(0)} s`);

// Longest chains first, so two VMs at once finish together.
const runs = combos
  .map((c) => ({ ...c, chain: selftest ? 'selftest' : c.init }))
  .sort((a, b) => (a.init === b.init ? b.release - a.release : a.init === 'systemd' ? -1 : 1));
const results = await pool(
  runs.map((r) => async () => {
    try {
      return await runChain({
        ...r,
        tar: tars.get(`${r.release}/${r.init}`),
        kernel: kernels.get(`${r.release}/${r.init}`),
        alt: kernels.get(`${r.release === 13 ? 12 : 13}/systemd`),
        deb,
        dir: runDir,
        verbose,
      });
    } catch (e) {
      loud(`debian${r.release}/${r.init}: ${e.message}`);
      return { rows: [{ id: '-', title: `VM run could not start: ${e.message.split('\n')[0]}`, release: r.release, init: r.init, expected: '-', observed: 'error', down: null, up: null, ok: false, note: e.message.split('\n').slice(0, 3).join(' ') }], vmSeconds: 0, name: `debian${r.release}-${r.init}` };
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
