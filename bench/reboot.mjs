#!/usr/bin/env node
// npm run bench:reboot — how long each way of rebooting a Debian server takes,
// phase by phase, on a VM that boots like one (OVMF + GRUB from the disk,
// Debian's grub.cfg and 5 s menu), under QEMU TCG. Not part of CI.
//
//   node bench/reboot.mjs [--rounds 5] [--paths 1,2,3,4,5,6,7] [--out bench/reboot-results.md]
//
// One VM at a time, on a quiet machine (the load average is checked before
// and sampled throughout, and written with the figures). The paths a VM runs
// are interleaved round-robin (1, 7, 2, 3, 6, then again), so drift in the
// machine's speed spreads over all of them instead of favouring one.
//
// Reuses test/vm's harness (disks, QEMU runs, serial-line analysis): see
// test/vm/README.md. Needs root. Writes bench/reboot-results.md and
// bench/reboot-results.svg.
//
// Paths:
//   1 kexec-reboot, plain `reboot`
//   2 kexec-reboot with PRELOAD=true (loaded ahead; `reboot` once it is)
//   3 kexec-reboot's `coldreboot` (firmware)
//   4 anchor: Debian 12 kexec-tools alone, debconf load_kexec=true, `reboot`
//   5 Debian 13 kexec-tools alone, `kexec-load-kernel; systemctl kexec`
//   6 floor: `kexec -l` by hand, then `reboot` (kexec-reboot keeps it)
//   7 kexec-reboot, plain `reboot`, with the legacy kexec_load: kexec -s
//     answers as kexec-tools does where the kernel lacks kexec_file_load,
//     so the hook falls back to kexec -c (path 1 uses kexec_file_load)
//
// Phases, from the host's timestamps of serial lines: request (the KRVM
// action marker, printed just before the command) -> hand-over (the old
// kernel's "kexec_core: Starting new kernel" or "reboot: Restarting system")
// -> new kernel (its "Linux version" line) -> init ("Run /init as init
// process") -> userspace up ("Reached target multi-user.target"). Each next
// boot also reports systemd-analyze's time, blame and critical chain.
import fs from 'node:fs';
import path from 'node:path';
import { CACHE, REPO, debianMirror, ensureHostTools, findDeb, loud, progress } from '../test/vm/lib/host.mjs';
import { baseTarball, makeDisk } from '../test/vm/lib/image.mjs';
import { GRUB_ROOT_UUID, analyze } from '../test/vm/lib/suite.mjs';
import { ovmfFor } from '../test/vm/lib/uefi.mjs';
import { runVM } from '../test/vm/lib/vm.mjs';
import { PHASES, rebootChart } from './reboot-chart.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const ROUNDS = Math.max(1, Number(opt('rounds', '5')));
const wanted = opt('paths', '1,2,3,4,5,6,7').split(',').map(Number);
const out = opt('out', 'bench/reboot-results.md');
const command = `npm run bench:reboot${argv.length ? ` -- ${argv.join(' ')}` : ''}`;

const PATHS = {
  1: { short: 'reboot (kexec_file_load)', title: 'kexec-reboot: `reboot`', expect: 'kexec', script: 'act reboot reboot' },
  2: {
    short: 'reboot, PRELOAD=true',
    title: 'kexec-reboot, PRELOAD=true: `reboot`',
    expect: 'kexec',
    script: 'echo PRELOAD=true >> /etc/default/kexec\nwait_preload\nact reboot reboot',
  },
  3: { short: 'coldreboot (firmware)', title: 'kexec-reboot: `coldreboot`', expect: 'firmware', script: 'act coldreboot coldreboot' },
  4: { short: 'Debian 12 kexec-tools, LOAD_KEXEC', title: 'Debian 12 kexec-tools alone, LOAD_KEXEC=true: `reboot`', expect: 'firmware', script: 'act reboot reboot' },
  5: {
    short: 'Debian 13 kexec-load-kernel',
    title: 'Debian 13 kexec-tools alone: `kexec-load-kernel; systemctl kexec`',
    expect: 'kexec',
    script: "act kexec-load-kernel sh -c 'kexec-load-kernel; systemctl kexec'",
  },
  6: {
    short: 'floor: kexec -l by hand',
    title: 'floor: `kexec -l` by hand, then `reboot`',
    expect: 'kexec',
    script: 'kexec -l /vmlinuz --initrd=/initrd.img --reuse-cmdline\nsay "loaded by hand: rc=$? kexec_loaded=$(cat /sys/kernel/kexec_loaded)"\nact reboot reboot',
  },
  7: {
    short: 'reboot (legacy kexec_load)',
    title: 'kexec-reboot: `reboot`, legacy kexec_load (kexec -c after kexec -s says it is not available)',
    expect: 'kexec',
    script: [
      'divert_kexec',
      `printf '#!/bin/sh\\n[ "$1" = -s ] && { echo "syscall kexec_file_load not available." >&2; exit 255; }\\nexec /var/lib/krvm/kexec.real "$@"\\n' > /usr/sbin/kexec`,
      'chmod 755 /usr/sbin/kexec',
      'act reboot reboot',
    ].join('\n'),
  },
};

// The VMs: which paths each runs, on which tree, with or without the package.
const VMS = [
  { name: 'bench-d13-pkg', release: 13, pkg: true, paths: [1, 7, 2, 3, 6] },
  { name: 'bench-d12-kexec-tools', release: 12, pkg: false, paths: [4],
    // What answering "yes" to kexec-tools' debconf question does.
    prepare: 'echo "kexec-tools kexec-tools/load_kexec boolean true" | debconf-set-selections\nDEBIAN_FRONTEND=noninteractive dpkg-reconfigure kexec-tools\ngrep -q "^LOAD_KEXEC=true" /etc/default/kexec\n' },
  { name: 'bench-d13-kexec-tools', release: 13, pkg: false, paths: [5] },
]
  .map((v) => ({ ...v, paths: v.paths.filter((p) => wanted.includes(p)) }))
  .filter((v) => v.paths.length > 0);

const quantile = (sorted, q) => {
  if (sorted.length === 0) return null;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (at - lo);
};
/** Median, min and max of the finite values. */
const spread = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  return { median: quantile(v, 0.5), min: v[0] ?? null, max: v.at(-1) ?? null, n: v.length };
};

const loadAverage = () => Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

if (process.getuid?.() !== 0) {
  loud('bench:reboot needs root (it builds VM disks like the VM suite).');
  process.exit(1);
}
/** Runs the VMs: the samples, with the conditions they were taken in. */
async function measure() {
  const started = Date.now();
  const runDir = path.join(CACHE, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(runDir, { recursive: true });
  await ensureHostTools();
  const mirror = debianMirror();
  const deb = VMS.some((v) => v.pkg) ? await findDeb() : null;
  const tars = new Map();
  for (const release of [...new Set(VMS.map((v) => v.release))]) {
    tars.set(release, await baseTarball({ release, init: 'systemd', variant: 'grub', mirror }));
  }

  // Figures from a busy machine rank nothing: wait (up to 3 min) for the build
  // above to settle, then sample the load all through the run. One VM keeps
  // one core busy, so about 1 is this benchmark's own load.
  const QUIET = 0.5;
  for (let i = 0; i < 18 && loadAverage() >= QUIET; i++) await sleep(10_000);
  const loadBefore = loadAverage();
  if (loadBefore >= QUIET) loud(`the machine is not quiet (load average ${loadBefore} before the start): the figures will say so`);
  const loadSamples = [];
  const sampler = setInterval(() => loadSamples.push(loadAverage()), 15_000);

  const samples = []; // { path, round, observed, handover, kernel, init, up, total, next }
  for (const vm of VMS) {
    // Round-robin: every path once, then again.
    const order = Array.from({ length: ROUNDS }, () => vm.paths).flat();
    const steps = order.map((p, i) => `# bench path ${p}, round ${Math.floor(i / vm.paths.length) + 1}: ${PATHS[p].title}\n${PATHS[p].script}`);
    progress(`${vm.name}: making the disk (Debian ${vm.release}, OVMF + GRUB, ${vm.pkg ? 'kexec-reboot installed' : 'kexec-tools only'}; ${order.length} reboots)`);
    const disk = await makeDisk({
      tar: tars.get(vm.release), init: 'systemd', deb: vm.pkg ? deb : null, steps, alt: null,
      dir: runDir, name: vm.name, grub: { uuid: GRUB_ROOT_UUID }, layout: 'uefi',
      prepare: `mkdir -p /etc/krvm && touch /etc/krvm/boot-timing\n${vm.prepare ?? ''}`,
    });
    progress(`${vm.name}: booting`);
    const { events } = await runVM({
      name: vm.name, disk, uefi: ovmfFor(runDir, vm.name), dir: runDir, totalTimeoutMs: 150 * 60_000,
      onLine: ({ t, text }) => {
        let m;
        if ((m = text.match(/^KRVM action step=(\d+) name=(\S+)/))) progress(`${vm.name} +${(t / 1000).toFixed(0)}s: reboot ${m[1]}/${order.length} (path ${order[Number(m[1]) - 1] ?? 'end'}, ${m[2]}; load ${loadAverage()})`);
        else if (/^\(host\) watchdog/.test(text)) progress(`${vm.name}: ${text}`);
      },
    });
    if (process.env.KRVM_KEEP !== '1') fs.rmSync(disk, { force: true });
    const { transitions } = analyze(events);
    order.forEach((p, i) => {
      const tr = transitions.find((x) => x.step === i + 1);
      const s = (a, b) => (a === null || a === undefined || b === null || b === undefined ? null : (b - a) / 1000);
      samples.push({
        path: p,
        round: Math.floor(i / vm.paths.length) + 1,
        observed: tr ? tr.path.join('>') || 'nothing' : 'not reached',
        handover: tr ? s(tr.t, tr.handoverAt) : null,
        kernel: tr ? s(tr.handoverAt, tr.kernelAt) : null,
        init: tr ? s(tr.kernelAt, tr.initAt) : null,
        up: tr ? s(tr.initAt, tr.userspaceUpAt) : null,
        total: tr ? s(tr.t, tr.userspaceUpAt) : null,
        next: tr?.next ? bootTiming(tr.next.lines) : null,
      });
    });
  }
  clearInterval(sampler);
  const run = { command, date: new Date().toISOString(), minutes: ((Date.now() - started) / 60000).toFixed(1), loadBefore, loadSamples, samples };
  fs.writeFileSync(path.join(runDir, 'samples.json'), JSON.stringify(run, null, 1));
  progress(`samples in ${path.relative(REPO, runDir)}/samples.json (the report again from them: --reanalyze ${path.relative(REPO, runDir)})`);
  return run;
}

// --reanalyze DIR: the report again from a finished run's samples.
const reanalyze = opt('reanalyze', null);
const { loadBefore, loadSamples, samples, minutes, date, command: ranAs } = reanalyze ? JSON.parse(fs.readFileSync(path.join(reanalyze, 'samples.json'), 'utf8')) : await measure();
const loadMax = Math.max(loadBefore, ...loadSamples);

/** systemd's time spans ("1min 2.345s", "345ms", "12us") in seconds. */
function span(text) {
  const units = { h: 3600, min: 60, s: 1, ms: 1e-3, us: 1e-6 };
  let seconds = 0;
  let matched = false;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|min|ms|us|s)\b/g)) {
    seconds += Number(n) * units[unit];
    matched = true;
  }
  return matched ? seconds : null;
}

/** What the agent reported of systemd-analyze in a boot: { parts: { kernel, initrd, userspace, ... }, blame: { unit: s }, chain: [lines] }. */
function bootTiming(lines) {
  const said = (marker) => lines.filter((l) => l.startsWith(marker)).map((l) => l.slice(marker.length));
  const time = said('KRVM analyze-time: ')[0] ?? '';
  const parts = Object.fromEntries([...time.matchAll(/([\d.a-z ]+?) \((\w+)\)/g)].map(([, value, part]) => [part, span(value)]));
  const blame = Object.fromEntries(
    said('KRVM blame: ')
      .map((l) => l.trim().match(/^(.+?) (\S+)$/))
      .filter(Boolean)
      .map(([, value, unit]) => [unit, span(value)]),
  );
  // The serial line is read as latin1; systemd draws the chain's tree in UTF-8.
  return { parts, blame, chain: said('KRVM chain: ').map((l) => Buffer.from(l, 'latin1').toString('utf8')) };
}

const fmt = (x) => (x === null || x === undefined ? '-' : `${x.toFixed(1)}`);
const secs = (x) => (x === null || x === undefined ? '-' : `${x.toFixed(1)} s`);
const cell = ({ median, min, max }) => (median === null ? '-' : `${fmt(median)} (${fmt(min)}-${fmt(max)})`);
const rows = wanted.filter((p) => PATHS[p]).map((p) => {
  const xs = samples.filter((x) => x.path === p);
  const observed = [...new Set(xs.map((x) => x.observed))].join(', ');
  const stats = Object.fromEntries(['handover', 'kernel', 'init', 'up', 'total'].map((k) => [k, spread(xs.map((x) => x[k]))]));
  return { p, xs, observed, stats };
});
const byPath = (p) => rows.find((r) => r.p === p);
const table = [
  '| path | observed | runs | request -> hand-over | hand-over -> new kernel | new kernel -> init | init -> userspace up | total |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(({ p, xs, observed, stats }) => `| ${p}. ${PATHS[p].title} | ${observed}${xs.every((x) => x.observed === PATHS[p].expect) ? '' : ` (expected ${PATHS[p].expect})`} | ${stats.total.n}/${xs.length} | ${cell(stats.handover)} | ${cell(stats.kernel)} | ${cell(stats.init)} | ${cell(stats.up)} | ${cell(stats.total)} |`),
].join('\n');

// The goals, as ratios of medians in this run.
const median = (p, ...keys) => {
  const r = byPath(p);
  if (!r) return null;
  return spread(r.xs.map((x) => (keys.some((k) => x[k] === null) ? null : keys.reduce((sum, k) => sum + x[k], 0)))).median;
};
const goal = (what, a, b, limit) => {
  if (a === null || b === null) return `- ${what}: not measured in this run`;
  const ratio = a / b;
  return `- ${what}: ${fmt(a)} s / ${fmt(b)} s = **${ratio.toFixed(2)}** (goal <= ${limit}): ${ratio <= limit ? 'met' : `missed by ${(((ratio - limit) / limit) * 100).toFixed(0)} %`}`;
};
const goals = [
  goal('new kernel -> userspace up after a kexec (path 1) / after a firmware reboot (path 3)', median(1, 'init', 'up'), median(3, 'init', 'up'), 1.1),
  goal('total downtime of `reboot` (path 1) / `coldreboot` (path 3)', median(1, 'total'), median(3, 'total'), 0.75),
  goal('request -> hand-over with PRELOAD=true (path 2) / the hand-loaded floor (path 6)', median(2, 'handover'), median(6, 'handover'), 1.1),
].join('\n');

// Where the next boot's time goes: boots after a kexec against boots after
// a firmware reboot, systemd's own account, unit by unit.
// Only the VM that ran both kinds, interleaved: the same machine and software.
const sharedVm = VMS.find((v) => v.paths.includes(3) && v.paths.length > 1);
const nextBoots = (kind) => samples.filter((x) => x.next && x.observed === kind && sharedVm?.paths.includes(x.path)).map((x) => x.next);
const kexecBoots = nextBoots('kexec');
const firmwareBoots = nextBoots('firmware');
const medianOf = (boots, get) => spread(boots.map(get)).median;
const partNames = [...new Set([...kexecBoots, ...firmwareBoots].flatMap((b) => Object.keys(b.parts)))];
const units = [...new Set([...kexecBoots, ...firmwareBoots].flatMap((b) => Object.keys(b.blame)))];
const unitRows = units
  .map((unit) => ({ unit, kexec: medianOf(kexecBoots, (b) => b.blame[unit] ?? null), firmware: medianOf(firmwareBoots, (b) => b.blame[unit] ?? null) }))
  // Each boot lists only its 25 slowest units: compare those both kinds list.
  .filter((u) => u.kexec !== null && u.firmware !== null)
  .sort((a, b) => Math.abs((b.kexec ?? 0) - (b.firmware ?? 0)) - Math.abs((a.kexec ?? 0) - (a.firmware ?? 0)))
  .slice(0, 15);
const analysis = [
  `| systemd-analyze time | after kexec (median of ${kexecBoots.length} boots) | after firmware (median of ${firmwareBoots.length}) |`,
  '| --- | ---: | ---: |',
  ...partNames.map((part) => `| ${part} | ${secs(medianOf(kexecBoots, (b) => b.parts[part] ?? null))} | ${secs(medianOf(firmwareBoots, (b) => b.parts[part] ?? null))} |`),
  '',
  '| unit (systemd-analyze blame: among the 25 slowest after both), largest differences first | after kexec | after firmware |',
  '| --- | ---: | ---: |',
  ...unitRows.map((u) => `| ${u.unit} | ${secs(u.kexec)} | ${secs(u.firmware)} |`),
].join('\n');
const chainOf = (boots) => boots[Math.floor(boots.length / 2)]?.chain.join('\n').trim() ?? '(none)';

const chartRows = rows.map(({ p, stats }) => ({
  label: `${p}. ${PATHS[p].short}`,
  phases: Object.fromEntries(PHASES.map(({ key }) => [key, stats[key].median])),
  total: stats.total,
}));
const svgOut = out.replace(/\.md$/, '.svg');
fs.writeFileSync(path.join(REPO, svgOut), rebootChart(chartRows, { title: `Downtime by reboot path: medians of ${ROUNDS} interleaved rounds (QEMU TCG, OVMF + GRUB)` }));

const md = `# Reboot paths, phase by phase

Date: ${date}
Command: \`${ranAs}\` (as root, from the repository; ${minutes} min)

Debian 13 (trixie) VM that boots like a server: OVMF (UEFI) + GRUB from its
own disk with the grub.cfg Debian's grub-mkconfig writes (5 s menu), QEMU
**TCG** (no KVM), 1 vCPU, 1 GiB, one VM at a time on a 2-core host. Load
average: ${loadBefore} at the start, at most ${loadMax} during the run (the
VM itself keeps one core busy, about 1.0)${loadMax >= 1.5 ? ': **something else was running**, the figures are not clean' : ''}.
Paths 1, 7, 2, 3 and 6 ran on one VM with kexec-reboot, interleaved
round-robin, ${ROUNDS} rounds; path 4 on a Debian 12 VM and path 5 on a Debian 13
VM without it, built the same way, each after the other.

Phases, from host timestamps of serial-console lines: *request* (marker
printed just before the command) -> *hand-over* (the old kernel's
"kexec_core: Starting new kernel", or "reboot: Restarting system" before a
firmware run) -> *new kernel* (its "Linux version" line) -> *init* ("Run
/init as init process") -> *userspace up* ("Reached target
multi-user.target"). Each cell: median (min-max), seconds.

${table}

![Downtime by path](${path.basename(svgOut)})

Goals (ratios of the medians above):

${goals}

## Where the next boot's time goes

Every next boot printed \`systemd-analyze time\`, \`blame\` and
\`critical-chain multi-user.target\` once it had finished. On the VM that ran
both kinds interleaved (${sharedVm?.name ?? 'none in this run'}): boots after a kexec (paths
${sharedVm?.paths.filter((p) => PATHS[p].expect === 'kexec').join(', ')}) against boots after \`coldreboot\` (3):

${analysis}

Critical chain of a boot after a kexec (the middle one):

\`\`\`
${chainOf(kexecBoots)}
\`\`\`

and after a firmware reboot:

\`\`\`
${chainOf(firmwareBoots)}
\`\`\`

**TCG inflates CPU-bound work**: everything runs several times slower than
on hardware; the purgatory SHA-256 that \`kexec -l\` computes over the kernel
and initrd takes seconds here (well under one on real hardware). Firmware
time is OVMF's under TCG, not a real server's POST (tens of seconds to
minutes), so the ratios to coldreboot understate what kexec saves on
hardware.
`;
fs.writeFileSync(path.join(REPO, out), md);
console.log(`\n${table}\n\n${goals}\n\n${analysis}\n`);
console.log(`written to ${out} and ${svgOut}`);
const bad = rows.filter((r) => r.xs.some((x) => x.observed !== PATHS[r.p].expect || x.total === null));
if (bad.length) {
  loud(`paths that did not go as expected: ${bad.map((r) => `${r.p} (${r.observed})`).join(', ')}`);
  process.exit(1);
}
