#!/usr/bin/env node
// npm run test:fleet (root): the Ansible role and its example playbook
// (contrib/ansible) against two real Debian VMs, 12 and 13 with systemd and
// molly-guard, reached over SSH on 127.0.0.1 only (QEMU's user-mode
// network). Three rolls with Debian's ansible-playbook:
//   1. both hosts reboot by kexec, one after the other;
//   2. LOAD_KEXEC=false on the first host: its pre-check fails and the roll
//      stops there, nothing rebooted;
//   3. the same with kexec_reboot_when_not_kexec=firmware: the first host
//      reboots through firmware, the second by kexec.
// How each reboot ended is judged on the host too: a firmware run shows on
// the VM's SeaBIOS debug console, a kexec does not.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CACHE, REPO, cannot, debianMirror, elapsed, ensureHostTools, findDeb, loud, progress, run } from '../vm/lib/host.mjs';
import { baseTarball, extractKernel, makeDisk } from '../vm/lib/image.mjs';
import { appendFor } from '../vm/lib/suite.mjs';
import { runVM } from '../vm/lib/vm.mjs';

const PLAYBOOK = path.join(REPO, 'contrib/ansible/rolling-reboot.yml');
// molly-guard 0.8 (Debian 13) lets a reboot whose message names Ansible
// through its checks without asking for the host name; 0.7 (Debian 12) would
// ask, so the role runs the real shutdown it diverted to /lib/molly-guard.
const HOSTS = [
  { host: 'debian12', release: 12, mollyGuardChecks: false },
  { host: 'debian13', release: 13, mollyGuardChecks: true },
];
const SSH_UP_TIMEOUT_MS = 300_000;

const started = Date.now();
const runDir = path.join(CACHE, `fleet-${new Date().toISOString().replace(/[:.]/g, '-')}`);
fs.mkdirSync(runDir, { recursive: true });
progress(`kexec-reboot fleet test: Ansible against Debian 12 and 13 VMs over SSH; logs in ${path.relative(REPO, runDir)}`);

await ensureHostTools();
for (const [command, pkg] of [['ansible-playbook', 'ansible-core'], ['ssh', 'openssh-client']]) {
  if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) cannot(`${command} is missing: run scripts/setup.sh (it installs ${pkg})`);
}
const mirror = debianMirror();
const deb = await findDeb();
progress(`package the role installs: ${path.relative(REPO, deb)}`);

const key = path.join(runDir, 'id_ed25519');
await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kexec-reboot fleet test', '-f', key]);
const publicKey = fs.readFileSync(`${key}.pub`, 'utf8').trim();

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for QEMU). */
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

// Reachable as a fleet's hosts are: root's authorized key, a static address
// on QEMU's user network, sshd; the agent stays up (no steps).
const prepare = [
  'mkdir -p -m 700 /root/.ssh',
  `echo '${publicKey}' > /root/.ssh/authorized_keys`,
  'chmod 600 /root/.ssh/authorized_keys',
  "printf '[Match]\\nName=en*\\n\\n[Network]\\nAddress=10.0.2.15/24\\nGateway=10.0.2.2\\n' > /etc/systemd/network/10-krvm.network",
  'systemctl enable systemd-networkd.service',
  'mkdir -p /etc/krvm && touch /etc/krvm/stay-up',
].join('\n');

const stop = new AbortController();
const vms = await Promise.all(
  HOSTS.map(async (h) => {
    const tar = await baseTarball({ release: h.release, init: 'systemd', mirror, variant: 'fleet' });
    const kernel = await extractKernel(tar, path.join(runDir, `kernel-${h.host}`));
    const disk = await makeDisk({
      tar, init: 'systemd', deb: null, steps: [], alt: null, dir: runDir, name: h.host, prepare,
      // Says on the console when molly-guard's checks ran.
      files: { 'krvm-molly-guard-check': 'etc/molly-guard/run.d/05-krvm' },
    });
    // The VM's serial lines and the harness's own notes, with host times, as they come.
    return { ...h, kernel, disk, port: await freePort(), lines: [] };
  }),
);

for (const vm of vms) {
  vm.startedAt = Date.now();
  vm.done = runVM({
    name: vm.host,
    disk: vm.disk,
    kernel: vm.kernel.kernel,
    initrd: vm.kernel.initrd,
    append: appendFor(vm.kernel.uname),
    sshPort: vm.port,
    signal: stop.signal,
    dir: runDir,
    totalTimeoutMs: 90 * 60_000,
    onLine: ({ t, text }) => {
      vm.lines.push({ at: vm.startedAt + t, text });
      const m = text.match(/^KRVM boot=(\d+) .*uname=(\S+)/);
      if (m) progress(`${vm.host}: boot ${m[1]} up, ${m[2]}`);
      else if (/^\(host\) firmware run/.test(text)) progress(`${vm.host}: firmware run`);
    },
  });
  progress(`${vm.host}: QEMU started, SSH on 127.0.0.1:${vm.port}`);
}

const inventory = path.join(runDir, 'inventory.ini');
fs.writeFileSync(
  inventory,
  [
    '[fleet]',
    ...vms.map((vm) => `${vm.host} ansible_host=127.0.0.1 ansible_port=${vm.port}`),
    '',
    '[fleet:vars]',
    'ansible_user=root',
    // root already: no sudo on these hosts.
    'ansible_become=false',
    'ansible_python_interpreter=/usr/bin/python3',
    `ansible_ssh_private_key_file=${key}`,
    "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'",
    '',
  ].join('\n'),
);
// An empty configuration of its own: nothing from this machine's /etc/ansible or ~.
const ansibleCfg = path.join(runDir, 'ansible.cfg');
fs.writeFileSync(ansibleCfg, '');
const ansibleEnv = { ...process.env, ANSIBLE_CONFIG: ansibleCfg, ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'false', ANSIBLE_LOCAL_TEMP: path.join(runDir, 'ansible-tmp') };
// Never a synchronous child once the VMs run: QEMU writes the serial console
// into a pipe this process reads, and a blocked event loop stops the guests (seen: both stalled
// in early boot while ssh -o ConnectTimeout=5 was waiting in spawnSync).
const ssh = (vm, command) =>
  run('ssh', ['-i', key, '-p', String(vm.port), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', 'root@127.0.0.1', command]);

async function waitForSsh(vm) {
  const until = Date.now() + SSH_UP_TIMEOUT_MS;
  while (Date.now() < until) {
    if (await ssh(vm, 'true').then(() => true, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  throw new Error(`${vm.host}: no SSH on 127.0.0.1:${vm.port} after ${SSH_UP_TIMEOUT_MS / 1000} s`);
}

const rows = [];
const check = (roll, what, ok, detail) => {
  rows.push({ roll, what, ok, detail });
  progress(`${ok ? 'pass' : 'FAIL'}: ${roll}: ${what}${detail ? ` (${detail})` : ''}`);
};

/** Runs the example playbook; returns its exit status, output and the reports it wrote. */
async function roll(name, extraVars) {
  const reportDir = path.join(runDir, `reports-${name}`);
  fs.mkdirSync(reportDir, { recursive: true });
  const log = path.join(runDir, `ansible-${name}.log`);
  const args = ['-i', inventory, PLAYBOOK, '-e', `kexec_reboot_report_dir=${reportDir}`, ...Object.entries(extraVars).flatMap(([k, v]) => ['-e', `${k}=${v}`])];
  progress(`roll ${name}: ansible-playbook ${args.map((a) => path.relative(REPO, a) || a).join(' ')}`);
  const t0 = Date.now();
  const markers = Object.fromEntries(vms.map((vm) => [vm.host, vm.lines.length]));
  let status = 0;
  let output = '';
  try {
    output = await run('ansible-playbook', args, { env: ansibleEnv, logFile: log });
  } catch (error) {
    status = 1;
    output = (error.stdout ?? '') + (error.stderr ?? '');
  }
  progress(`roll ${name}: ansible-playbook ${status === 0 ? 'succeeded' : 'failed'} in ${((Date.now() - t0) / 1000).toFixed(0)} s (log: ${path.relative(REPO, log)})`);
  const reports = Object.fromEntries(
    fs.readdirSync(reportDir).map((f) => [path.basename(f, '.json'), JSON.parse(fs.readFileSync(path.join(reportDir, f), 'utf8'))]),
  );
  // What each VM showed on the host side during the roll: the next kernel's
  // start ("Linux version"), firmware runs, the agent's up marker.
  const seen = Object.fromEntries(
    vms.map((vm) => {
      const during = vm.lines.slice(markers[vm.host]);
      const kernelAt = during.find((l) => /Linux version \d/.test(l.text))?.at ?? null;
      const upAt = during.find((l) => /^KRVM boot=\d+/.test(l.text))?.at ?? null;
      const firmwareRuns = during.filter((l) => /^\(host\) firmware run/.test(l.text)).length;
      const mollyGuardChecks = during.some((l) => /^KRVM molly-guard: checks ran for shutdown/.test(l.text));
      return [vm.host, { kernelAt, upAt, firmwareRuns, mollyGuardChecks }];
    }),
  );
  return { status, output, reports, seen };
}

const [first, second] = vms;
try {
  await Promise.all(vms.map(waitForSsh));
  progress(`both hosts answer on SSH (${elapsed()})`);

  // 1. Both by kexec, one after the other.
  const one = await roll('kexec', { kexec_reboot_deb: deb });
  check('kexec', 'ansible-playbook succeeded', one.status === 0, one.status === 0 ? '' : one.output.split('\n').filter((l) => /fatal|FAILED|msg/.test(l)).slice(0, 4).join(' | '));
  for (const vm of vms) {
    const report = one.reports[vm.host];
    const seen = one.seen[vm.host];
    check('kexec', `${vm.host}: the role's post-check saw a kexec`, report?.ended === 'kexec', report ? `ended ${report.ended}, ${report.kernel}, down ${report.downtime_s?.total} s` : 'no report');
    check('kexec', `${vm.host}: the report's figures are numbers`, typeof report?.downtime_s?.total === 'number' && typeof report?.ansible_reboot_elapsed_s === 'number');
    check('kexec', `${vm.host}: the host saw a new kernel and no firmware run`, seen.kernelAt !== null && seen.firmwareRuns === 0, `firmware runs ${seen.firmwareRuns}`);
    check('kexec', `${vm.host}: ${vm.mollyGuardChecks ? "through molly-guard's checks" : "molly-guard's shutdown not run"}`, seen.mollyGuardChecks === vm.mollyGuardChecks);
  }
  if (one.status !== 0) throw new Error('the first roll failed; the others build on the package it installs');
  const order = one.seen[first.host].upAt !== null && one.seen[second.host].kernelAt !== null && one.seen[second.host].kernelAt > one.seen[first.host].upAt;
  check('kexec', `${second.host} went down only after ${first.host} was back up`, order, `${first.host} up ${new Date(one.seen[first.host].upAt ?? 0).toISOString()}, ${second.host} next kernel ${new Date(one.seen[second.host].kernelAt ?? 0).toISOString()}`);

  // 2. LOAD_KEXEC=false on the first host: the pre-check stops the roll.
  await ssh(first, "printf 'LOAD_KEXEC=false\\n' > /etc/default/kexec.d/krvm-fleet");
  const two = await roll('precheck-fails', {});
  check('precheck-fails', 'ansible-playbook failed', two.status !== 0);
  check('precheck-fails', `${first.host}: the pre-check said why`, /would not be a kexec/.test(two.output) && /LOAD_KEXEC/.test(two.output), two.output.match(/would not be a kexec:[^"]*/)?.[0]?.slice(0, 160));
  for (const vm of vms) check('precheck-fails', `${vm.host}: not rebooted`, two.seen[vm.host].kernelAt === null && !two.reports[vm.host]);

  // 3. The same, with the firmware fallback.
  const three = await roll('firmware-fallback', { kexec_reboot_when_not_kexec: 'firmware' });
  check('firmware-fallback', 'ansible-playbook succeeded', three.status === 0);
  check('firmware-fallback', `${first.host}: post-check saw the firmware reboot`, three.reports[first.host]?.ended === 'firmware' && three.seen[first.host].firmwareRuns > 0, `ended ${three.reports[first.host]?.ended}, firmware runs ${three.seen[first.host].firmwareRuns}`);
  check('firmware-fallback', `${second.host}: kexec`, three.reports[second.host]?.ended === 'kexec' && three.seen[second.host].firmwareRuns === 0, `ended ${three.reports[second.host]?.ended}, firmware runs ${three.seen[second.host].firmwareRuns}`);
} catch (error) {
  loud(`fleet test: ${error.message}`);
  check('-', 'the test ran to the end', false, error.message.split('\n')[0]);
} finally {
  stop.abort();
  await Promise.all(vms.map((vm) => vm.done));
}

console.log('');
for (const r of rows) console.log(`${r.ok ? 'pass' : 'FAIL'}  ${r.roll.padEnd(17)}  ${r.what}${r.detail ? `  [${r.detail}]` : ''}`);
const failed = rows.filter((r) => !r.ok).length;
console.log(`\n${rows.length - failed} passed, ${failed} failed; fleet test took ${elapsed(Date.now() - started)}; logs: ${path.relative(REPO, runDir)}`);
process.exit(failed === 0 && rows.length > 0 ? 0 : 1);
