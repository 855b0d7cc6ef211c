#!/usr/bin/env node
// npm run bench:reboot — how long each way of rebooting a Debian 13 server
// takes, phase by phase, on a VM that boots like one (OVMF + GRUB from the
// disk, Debian's grub.cfg and 5 s menu), under QEMU TCG. Not part of CI.
//
//   node bench/reboot.mjs [--runs 3] [--paths 1,2,3,4,5,6,7] [--jobs 2] [--out bench/reboot-results.md]
//
// Reuses test/vm's harness (disks, QEMU runs, serial-line analysis): see
// test/vm/README.md. Needs root. Writes bench/reboot-results.md.
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
// -> new kernel (its "Linux version" line) -> probe (the test agent's marker
// in the next boot, i.e. userspace up).
import fs from 'node:fs';
import path from 'node:path';
import { CACHE, REPO, debianMirror, ensureHostTools, findDeb, loud, progress } from '../test/vm/lib/host.mjs';
import { baseTarball, makeDisk } from '../test/vm/lib/image.mjs';
import { GRUB_ROOT_UUID, analyze } from '../test/vm/lib/suite.mjs';
import { ovmfFor } from '../test/vm/lib/uefi.mjs';
import { runVM } from '../test/vm/lib/vm.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const RUNS = Math.max(1, Number(opt('runs', '3')));
const wanted = opt('paths', '1,2,3,4,5,6,7').split(',').map(Number);
const out = opt('out', 'bench/reboot-results.md');
const jobs = Math.max(1, Math.min(2, Number(opt('jobs', '2'))));
const command = `npm run bench:reboot${argv.length ? ` -- ${argv.join(' ')}` : ''}`;

const PATHS = {
  1: { title: 'kexec-reboot: `reboot`', expect: 'kexec', script: 'act reboot reboot' },
  2: {
    title: 'kexec-reboot, PRELOAD=true: `reboot`',
    expect: 'kexec',
    script: 'echo PRELOAD=true >> /etc/default/kexec\nwait_preload\nact reboot reboot',
  },
  3: { title: 'kexec-reboot: `coldreboot`', expect: 'firmware', script: 'act coldreboot coldreboot' },
  4: { title: 'Debian 12 kexec-tools alone, LOAD_KEXEC=true: `reboot`', expect: 'firmware', script: 'act reboot reboot' },
  5: {
    title: 'Debian 13 kexec-tools alone: `kexec-load-kernel; systemctl kexec`',
    expect: 'kexec',
    script: "act kexec-load-kernel sh -c 'kexec-load-kernel; systemctl kexec'",
  },
  6: {
    title: 'floor: `kexec -l` by hand, then `reboot`',
    expect: 'kexec',
    script: 'kexec -l /vmlinuz --initrd=/initrd.img --reuse-cmdline\nsay "loaded by hand: rc=$? kexec_loaded=$(cat /sys/kernel/kexec_loaded)"\nact reboot reboot',
  },
  7: {
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
  { name: 'bench-d13-pkg-a', release: 13, pkg: true, paths: [1, 7, 2] },
  { name: 'bench-d13-pkg-b', release: 13, pkg: true, paths: [3, 6] },
  { name: 'bench-d12-kexec-tools', release: 12, pkg: false, paths: [4],
    // What answering "yes" to kexec-tools' debconf question does.
    prepare: 'echo "kexec-tools kexec-tools/load_kexec boolean true" | debconf-set-selections\nDEBIAN_FRONTEND=noninteractive dpkg-reconfigure kexec-tools\ngrep -q "^LOAD_KEXEC=true" /etc/default/kexec\n' },
  { name: 'bench-d13-kexec-tools', release: 13, pkg: false, paths: [5] },
]
  .map((v) => ({ ...v, paths: v.paths.filter((p) => wanted.includes(p)) }))
  .filter((v) => v.paths.length > 0);

async function pool(tasks, n) {
  const results = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  }));
  return results;
}

const median = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

if (process.getuid?.() !== 0) {
  loud('bench:reboot needs root (it builds VM disks like the VM suite).');
  process.exit(1);
}
const started = Date.now();
// Figures from a busy machine rank nothing: say how quiet it was.
const loadBefore = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const runDir = path.join(CACHE, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}`);
fs.mkdirSync(runDir, { recursive: true });
await ensureHostTools();
const mirror = debianMirror();
const deb = VMS.some((v) => v.pkg) ? await findDeb() : null;
const tars = new Map();
for (const release of [...new Set(VMS.map((v) => v.release))]) {
  tars.set(release, await baseTarball({ release, init: 'systemd', variant: 'grub', mirror }));
}

const samples = []; // { path, observed, request, handover, kernel, up }
await pool(
  VMS.map((vm) => async () => {
    const order = vm.paths.flatMap((p) => Array.from({ length: RUNS }, () => p));
    const steps = order.map((p) => `# bench path ${p}: ${PATHS[p].title}\n${PATHS[p].script}`);
    progress(`${vm.name}: making the disk (Debian ${vm.release}, OVMF + GRUB, ${vm.pkg ? 'kexec-reboot installed' : 'kexec-tools only'}; ${order.length} reboots)`);
    const disk = await makeDisk({
      tar: tars.get(vm.release), init: 'systemd', deb: vm.pkg ? deb : null, steps, alt: null,
      dir: runDir, name: vm.name, grub: { uuid: GRUB_ROOT_UUID }, layout: 'uefi', prepare: vm.prepare ?? null,
    });
    progress(`${vm.name}: booting`);
    const { events } = await runVM({
      name: vm.name, disk, uefi: ovmfFor(runDir, vm.name), dir: runDir,
      onLine: ({ t, text }) => {
        let m;
        if ((m = text.match(/^KRVM action step=(\d+) name=(\S+)/))) progress(`${vm.name} +${(t / 1000).toFixed(0)}s: reboot ${m[1]}/${order.length} (path ${order[Number(m[1]) - 1] ?? 'end'}, ${m[2]})`);
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
        observed: tr ? tr.path.join('>') || 'nothing' : 'not reached',
        handover: tr ? s(tr.t, tr.handoverAt) : null,
        kernel: tr ? s(tr.handoverAt, tr.kernelAt) : null,
        up: tr ? s(tr.kernelAt, tr.upAt) : null,
        total: tr ? s(tr.t, tr.upAt) : null,
      });
    });
  }),
  jobs,
);

const fmt = (x) => (x === null ? '-' : `${x.toFixed(1)} s`);
const ratio = (a, b) => (a === null || b === null ? '-' : `${(a / b).toFixed(2)}`);
const rows = wanted.filter((p) => PATHS[p]).map((p) => {
  const xs = samples.filter((s) => s.path === p);
  const observed = [...new Set(xs.map((s) => s.observed))].join(', ');
  return {
    p, xs, observed,
    handover: median(xs.map((s) => s.handover)),
    kernel: median(xs.map((s) => s.kernel)),
    up: median(xs.map((s) => s.up)),
    total: median(xs.map((s) => s.total)),
  };
});
const cold = rows.find((r) => r.p === 3)?.total ?? null;
const doc = rows.find((r) => r.p === 5)?.total ?? null;
const lines = [
  '| path | observed | runs | request -> hand-over | hand-over -> new kernel | new kernel -> probe | total (median) | / coldreboot | / path 5 | totals of each run |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.p}. ${PATHS[r.p].title} | ${r.observed}${r.xs.every((s) => s.observed === PATHS[r.p].expect) ? '' : ` (expected ${PATHS[r.p].expect})`} | ${r.xs.filter((s) => s.total !== null).length}/${r.xs.length} | ${fmt(r.handover)} | ${fmt(r.kernel)} | ${fmt(r.up)} | ${fmt(r.total)} | ${ratio(r.total, cold)} | ${ratio(r.total, doc)} | ${r.xs.map((s) => fmt(s.total)).join(', ')} |`),
];
const table = lines.join('\n');
const minutes = ((Date.now() - started) / 60000).toFixed(1);
const md = `# Reboot paths, phase by phase

Date: ${new Date().toISOString()}
Command: \`${command}\` (as root, from the repository; ${minutes} min)

Debian 13 (trixie) VM that boots like a server: OVMF (UEFI) + GRUB from its
own disk with the grub.cfg Debian's grub-mkconfig writes (5 s menu), QEMU
**TCG** (no KVM), 1 vCPU, 1 GiB, ${jobs === 1 ? 'one VM at a time' : 'two VMs at once'} on a 2-core host (load average before the start: ${loadBefore}). Path 4 runs
on a Debian 12 VM built the same way. Medians of ${RUNS} runs per path.

Phases, from host timestamps of serial-console lines: *request* (marker
printed just before the command) -> *hand-over* (the old kernel's
"kexec_core: Starting new kernel", or "reboot: Restarting system" before a
firmware run) -> *new kernel* (its "Linux version" line) -> *probe* (the test
agent's marker in the next boot: userspace up).

**TCG inflates CPU-bound work**: everything runs several times slower than on
hardware, and the purgatory SHA-256 that \`kexec -l\` computes over the kernel
and initrd takes seconds here (well under one on real hardware). The
request -> hand-over phase of the paths that load a kernel during shutdown (1,
4, 5) carries that cost; PRELOAD (2) and the floor (6) paid it before the
request. Firmware time here is OVMF's under TCG, not a real server's POST
(which takes from tens of seconds to minutes), so the ratios to coldreboot
understate what kexec saves on hardware.

${table}

Ratios are of the median totals. "observed" is how the host saw the machine
restart: kexec (next kernel with no firmware run between) or firmware (OVMF's
boot manager ran).
`;
fs.writeFileSync(path.join(REPO, out), md);
console.log(`\n${table}\n`);
console.log(`written to ${out}; logs in ${path.relative(REPO, runDir)}; ${minutes} min`);
const bad = rows.filter((r) => r.xs.some((s) => s.observed !== PATHS[r.p].expect || s.total === null));
if (bad.length) {
  loud(`paths that did not go as expected: ${bad.map((r) => `${r.p} (${r.observed})`).join(', ')}`);
  process.exit(1);
}
