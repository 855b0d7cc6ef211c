#!/usr/bin/env node
// npm run demo: from a fresh clone on a Debian machine, as root. Installs what
// it needs, builds the package, boots a Debian 13 VM under QEMU (TCG), does a
// plain `reboot` (kexec) then `coldreboot` (firmware), and prints a timeline
// with both downtimes, and the reboot history the VM kept of them.
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
progress('kexec-reboot demo: Debian 13 VM under QEMU (TCG): `reboot` then `coldreboot`');

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
const tar = await baseTarball({ release: 13, init: 'systemd', mirror });
const kernel = await extractKernel(tar, path.join(runDir, 'kernel'));
const res = await runChain({ release: 13, init: 'systemd', chain: 'demo', tar, kernel, deb, dir: runDir, label: 'demo' });

const s = (ms) => `${(ms / 1000).toFixed(1).padStart(6)} s`;
const lines = [];
const firstBoot = res.boots[0];
lines.push(`${s(0)}  QEMU starts: firmware (SeaBIOS), then the kernel given with -kernel`);
if (firstBoot) lines.push(`${s(firstBoot.t)}  boot 1 up: ${firstBoot.uname}`);
const summary = [];
for (const tr of res.transitions) {
  const what = tr.name === 'end' || tr.name === 'poweroff' ? '`poweroff`' : `\`${tr.name}\``;
  lines.push(`${s(tr.t)}  ${what} requested`);
  if (tr.firmwareAt !== null) lines.push(`${s(tr.firmwareAt)}    firmware runs (SeaBIOS banner on the debug console)`);
  if (tr.kernelAt !== null) {
    lines.push(`${s(tr.kernelAt)}    next kernel starts: ${tr.path.join('>')}, downtime to the kernel ${((tr.kernelAt - tr.t) / 1000).toFixed(1)} s`);
  }
  if (tr.next) {
    lines.push(`${s(tr.next.t)}  boot ${tr.next.n} up, downtime to userspace ${((tr.next.t - tr.t) / 1000).toFixed(1)} s`);
    summary.push(`${what}: ${tr.path.join('>')}, down ${((tr.kernelAt - tr.t) / 1000).toFixed(1)} s until the next kernel, ${((tr.next.t - tr.t) / 1000).toFixed(1)} s until the system is up`);
  } else if (tr.exitAt !== undefined) {
    lines.push(`${s(tr.exitAt)}  QEMU exits (${tr.path.join('>')})`);
  }
}
console.log('\ntimeline (guest seconds since QEMU started, as seen on the host):');
console.log(lines.join('\n'));
console.log('\n' + table(res.rows));
console.log('\n' + summary.join('\n'));
const saidBeforePoweroff = (marker) => (res.transitions.at(-1)?.pre ?? []).filter((l) => l.startsWith(marker)).map((l) => l.slice(marker.length));
console.log(`\n\`kexec-reboot history\` in the VM, before the poweroff (its own clock; "DOWN" is request -> userspace up):\n${saidBeforePoweroff('KRVM history-text: ').join('\n')}`);
console.log(`\nand the metrics it wrote for node-exporter (/var/lib/prometheus/node-exporter/kexec_reboot.prom):\n${saidBeforePoweroff('KRVM metrics-text: ').join('\n')}`);
console.log(`\ndemo took ${elapsed(Date.now() - started)}; serial log: ${path.relative(REPO, path.join(runDir, `${res.name}.serial.log`))}`);
process.exit(res.rows.every((r) => r.ok) ? 0 : 1);
