#!/usr/bin/env node
// npm run demo: from a fresh clone on a Debian machine, as root. Installs what
// it needs, builds the package, boots a Debian 13 VM under QEMU (TCG) that
// starts as a server does (UEFI firmware, then GRUB from its disk with
// Debian's 5 s menu), does a plain `reboot` (kexec) then `coldreboot`
// (firmware), and prints a timeline with both downtimes phase by phase, and
// the reboot history the VM kept of them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CACHE, REPO, cannot, debianMirror, elapsed, ensureHostTools, findDeb, progress, run } from './lib/host.mjs';
import { baseTarball, extractKernel } from './lib/image.mjs';
import { runChain, table } from './lib/suite.mjs';

const started = Date.now();
fs.mkdirSync(CACHE, { recursive: true });
const runDir = path.join(CACHE, `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
fs.mkdirSync(runDir, { recursive: true });
progress('kexec-reboot demo: Debian 13 VM under QEMU (TCG), UEFI + GRUB: `reboot` then `coldreboot`');

await ensureHostTools();
// What `npm run deb` needs to build the package.
const has = (c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status === 0;
if (!process.env.KEXEC_REBOOT_DEB && !(has('dpkg-buildpackage') && has('dh'))) {
  progress('installing package build tools: dpkg-dev debhelper');
  try {
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'dpkg-dev', 'debhelper'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (e) {
    cannot(`apt-get install dpkg-dev debhelper failed:\n${e.message}`);
  }
}
const deb = await findDeb();
progress(`package: ${path.relative(REPO, deb)}`);

const mirror = debianMirror();
const tar = await baseTarball({ release: 13, init: 'systemd', mirror, variant: 'grub' });
const kernel = await extractKernel(tar, path.join(runDir, 'kernel'));
const res = await runChain({ release: 13, init: 'systemd', chain: 'demo', tar, kernel, deb, dir: runDir, label: 'demo', uefi: true });

const s = (ms) => `${(ms / 1000).toFixed(1).padStart(6)} s`;
const gap = (from, to) => (from === null || to === null ? '?' : `${((to - from) / 1000).toFixed(1)} s`);
const lines = [];
const firstBoot = res.boots[0];
lines.push(`${s(0)}  QEMU starts: UEFI firmware (OVMF), then GRUB from the disk (5 s menu), then the kernel`);
if (firstBoot) lines.push(`${s(firstBoot.t)}  boot 1 up: ${firstBoot.uname}`);
const summary = [];
for (const tr of res.transitions) {
  const what = tr.name === 'end' || tr.name === 'poweroff' ? '`poweroff`' : `\`${tr.name}\``;
  lines.push(`${s(tr.t)}  ${what} requested`);
  if (tr.handoverAt !== null) lines.push(`${s(tr.handoverAt)}    the old kernel hands over: ${tr.path[0] === 'kexec' ? 'kexec' : 'reset, into the firmware'}`);
  if (tr.firmwareAt !== null) lines.push(`${s(tr.firmwareAt)}    firmware runs (OVMF's boot manager on the serial console), then GRUB`);
  if (tr.kernelAt !== null) lines.push(`${s(tr.kernelAt)}    next kernel starts: ${tr.path.join('>')}`);
  if (tr.initAt !== null) lines.push(`${s(tr.initAt)}    init starts`);
  if (tr.userspaceUpAt !== null) lines.push(`${s(tr.userspaceUpAt)}    multi-user.target reached`);
  if (tr.next) {
    lines.push(`${s(tr.next.t)}  boot ${tr.next.n} up (test agent)`);
    summary.push(
      `${what.padEnd(12)} ${tr.path.join('>').padEnd(8)} request -> hand-over ${gap(tr.t, tr.handoverAt)}, -> new kernel ${gap(tr.handoverAt, tr.kernelAt)}, -> init ${gap(tr.kernelAt, tr.initAt)}, -> userspace up ${gap(tr.initAt, tr.userspaceUpAt)}; down ${gap(tr.t, tr.userspaceUpAt)} in all`,
    );
  } else if (tr.exitAt !== undefined) {
    lines.push(`${s(tr.exitAt)}  QEMU exits (${tr.path.join('>')})`);
  }
}
console.log('\ntimeline (guest seconds since QEMU started, as seen on the host):');
console.log(lines.join('\n'));
console.log('\n' + table(res.rows));
console.log(`\nwhat each reboot cost, phase by phase (host clock):\n${summary.join('\n')}`);
console.log(
  '\nUnder QEMU TCG every CPU-bound step runs several times slower than on hardware (the kernel load\'s SHA-256, systemd\'s start-up),\n' +
    'while OVMF is far quicker than a real server\'s POST: on hardware the kexec saves more, and the rest takes less.',
);
const saidBeforePoweroff = (marker) => (res.transitions.at(-1)?.pre ?? []).filter((l) => l.startsWith(marker)).map((l) => l.slice(marker.length));
console.log(`\n\`kexec-reboot history\` in the VM, before the poweroff (its own clock; "DOWN" is request -> userspace up):\n${saidBeforePoweroff('KRVM history-text: ').join('\n')}`);
console.log(`\nand the metrics it wrote for node-exporter (/var/lib/prometheus/node-exporter/kexec_reboot.prom):\n${saidBeforePoweroff('KRVM metrics-text: ').join('\n')}`);
console.log(`\ndemo took ${elapsed(Date.now() - started)}; serial log: ${path.relative(REPO, path.join(runDir, `${res.name}.serial.log`))}`);
process.exit(res.rows.every((r) => r.ok) ? 0 : 1);
