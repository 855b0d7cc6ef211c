// Host side helpers: progress output, commands, prerequisites, the package
// mirror and the .deb under test.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CACHE = path.join(REPO, '.cache', 'vm');

const t0 = Date.now();
export function elapsed(ms = Date.now() - t0) {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
export function progress(...parts) {
  console.log(`[${elapsed()}] ${parts.join(' ')}`);
}
export function loud(message) {
  const bar = '!'.repeat(78);
  console.error(`\n${bar}\n${message.split('\n').map((l) => `!! ${l}`).join('\n')}\n${bar}\n`);
}

/** Runs a command, resolves with its stdout; rejects with its stderr on failure. */
export function run(cmd, args, { cwd, env, input, quiet = true, logFile } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
    child.stdout.on('data', (d) => {
      out += d;
      log?.write(d);
      if (!quiet) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      err += d;
      log?.write(d);
      if (!quiet) process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      log?.end();
      if (code === 0) resolve(out);
      else {
        const e = new Error(`${cmd} ${args.join(' ')} exited ${code}\n${(err || out).slice(-3000)}`);
        e.stdout = out;
        e.stderr = err;
        reject(e);
      }
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure the host tools are there, installing them with apt-get when
 * running as root. Never skips silently: without them it prints why and
 * exits (status 1 under CI=true, 77 otherwise).
 * arm64: an arm64 guest is selected: its emulator, firmware, and what
 * mmdebstrap needs to build a foreign tree (qemu-user-static's emulator
 * and its binfmt.d line, arch-test), about 700 MB the amd64 runs never need.
 */
export async function ensureHostTools({ arm64 = false } = {}) {
  const needs = [
    ['mmdebstrap', 'mmdebstrap', () => have('mmdebstrap')],
    ['qemu-system-x86_64', 'qemu-system-x86', () => have('qemu-system-x86_64')],
    ['mkfs.ext4', 'e2fsprogs', () => have('mkfs.ext4') || fs.existsSync('/usr/sbin/mkfs.ext4')],
    ['Debian archive keys', 'debian-archive-keyring', () => fs.existsSync('/usr/share/keyrings/debian-archive-keyring.gpg')],
    // The UEFI disk and firmware.
    ['sfdisk', 'fdisk', () => have('sfdisk') || fs.existsSync('/usr/sbin/sfdisk')],
    ['mkfs.vfat', 'dosfstools', () => have('mkfs.vfat') || fs.existsSync('/usr/sbin/mkfs.vfat')],
    ['mcopy', 'mtools', () => have('mcopy')],
    ['OVMF', 'ovmf', () => ['OVMF_CODE_4M.fd', 'OVMF_VARS_4M.fd', 'OVMF_CODE_4M.secboot.fd', 'OVMF_VARS_4M.ms.fd'].every((f) => fs.existsSync(`/usr/share/OVMF/${f}`))],
    ...(arm64
      ? [
          ['qemu-system-aarch64', 'qemu-system-arm', () => have('qemu-system-aarch64')],
          ['AAVMF', 'qemu-efi-aarch64', () => ['AAVMF_CODE.fd', 'AAVMF_VARS.fd'].every((f) => fs.existsSync(`/usr/share/AAVMF/${f}`))],
          ['qemu-aarch64-static', 'qemu-user-static', () => have('qemu-aarch64-static') && fs.existsSync(BINFMT_AARCH64)],
          ['arch-test', 'arch-test', () => have('arch-test')],
        ]
      : []),
  ];
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) cannot('the VM suite needs root (mmdebstrap, chroot, mkfs.ext4 -d with file ownership).');
  const missing = needs.filter(([, , ok]) => !ok());
  if (missing.length > 0) {
    const pkgs = missing.map(([, p]) => p);
    progress(`installing host packages: ${pkgs.join(' ')}`);
    try {
      await run('apt-get', ['update'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      await run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (e) {
      cannot(`apt-get install ${pkgs.join(' ')} failed:\n${e.message}`);
    }
    const still = needs.filter(([, , ok]) => !ok());
    if (still.length > 0) cannot(`still missing after apt-get: ${still.map(([n]) => n).join(', ')}`);
  }
}

// qemu-user-static's registration of arm64 binaries with binfmt_misc, in
// systemd-binfmt's format (one line for the kernel's register file).
const BINFMT_AARCH64 = '/usr/lib/binfmt.d/qemu-aarch64.conf';
const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/**
 * Runs fn with arm64 binaries runnable on this host (mmdebstrap and dpkg
 * run the foreign tree's maintainer scripts under chroot), then leaves
 * binfmt_misc as it found it: registration is the kernel's, for the whole
 * machine, so only what was mounted or registered here is undone, once the
 * last caller is done. An entry that was already there stays, and is used.
 */
let arm64Users = 0;
let arm64Registered = null; // a promise of the undo
export async function withArm64Binaries(fn) {
  arm64Users += 1;
  arm64Registered ??= registerArm64();
  try {
    await arm64Registered;
    return await fn();
  } finally {
    arm64Users -= 1;
    if (arm64Users === 0) {
      const undo = await arm64Registered.catch(() => async () => {});
      arm64Registered = null;
      await undo();
    }
  }
}

async function registerArm64() {
  const entry = path.join(BINFMT_DIR, 'qemu-aarch64');
  const mounted = fs.existsSync(path.join(BINFMT_DIR, 'register'));
  if (!mounted) await run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT_DIR]);
  const registered = !fs.existsSync(entry);
  const undo = async () => {
    if (registered && fs.existsSync(entry)) fs.writeFileSync(entry, '-1');
    if (!mounted) await run('umount', [BINFMT_DIR]);
  };
  if (registered) {
    try {
      const line = fs.readFileSync(BINFMT_AARCH64, 'utf8').split('\n').find((l) => l.startsWith(':qemu-aarch64:'));
      if (!line) throw new Error(`no :qemu-aarch64: line in ${BINFMT_AARCH64}`);
      fs.writeFileSync(path.join(BINFMT_DIR, 'register'), line);
    } catch (e) {
      await undo();
      throw e;
    }
  }
  return undo;
}

export function cannot(why) {
  const ci = process.env.CI === 'true';
  loud(`kexec-reboot VM suite CANNOT RUN: ${why}\n${ci ? 'CI=true: this is a failure.' : 'Not under CI: exiting with status 77 (skipped), NOT a pass.'}`);
  process.exit(ci ? 1 : 77);
}

/**
 * The Debian mirror to build guests from: KRVM_MIRROR, or the URI this host's
 * apt uses for its main Debian suite, read at run time.
 */
export function debianMirror() {
  if (process.env.KRVM_MIRROR) return process.env.KRVM_MIRROR.replace(/\/+$/, '');
  const candidates = [];
  const dirs = ['/etc/apt/sources.list.d'];
  const files = ['/etc/apt/sources.list'];
  for (const d of dirs) {
    try {
      for (const f of fs.readdirSync(d).sort()) files.push(path.join(d, f));
    } catch {}
  }
  for (const f of files) {
    let text;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    if (f.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name) => stanza.match(new RegExp(`^${name}:\\s*(.+)$`, 'mi'))?.[1].trim();
        if (field('Enabled') === 'no') continue;
        const uris = (field('URIs') ?? '').split(/\s+/).filter(Boolean);
        const suites = (field('Suites') ?? '').split(/\s+/);
        const types = (field('Types') ?? '').split(/\s+/);
        if (!types.includes('deb')) continue;
        for (const u of uris) candidates.push({ uri: u, suites });
      }
    } else if (f.endsWith('.list') || f === '/etc/apt/sources.list') {
      for (const line of text.split('\n')) {
        const m = line.match(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/);
        if (m) candidates.push({ uri: m[1], suites: [m[2]] });
      }
    }
  }
  // The main archive: a plain codename suite (not -security/-updates), URI not a security one.
  const main = candidates.find(
    (c) => !/security/.test(c.uri) && c.suites.some((s) => /^[a-z]+$/.test(s)) && /\/debian\/?$/.test(c.uri),
  );
  if (!main) cannot('no Debian mirror found in /etc/apt/sources.list{,.d}; set KRVM_MIRROR=http://HOST/debian');
  return main.uri.replace(/\/+$/, '');
}

/**
 * The kexec-reboot .deb under test: $KEXEC_REBOOT_DEB, else built with
 * `npm run deb` (whose output names the .deb).
 */
export async function findDeb() {
  const env = process.env.KEXEC_REBOOT_DEB;
  if (env) {
    if (!fs.existsSync(env)) cannot(`KEXEC_REBOOT_DEB=${env} does not exist`);
    return path.resolve(env);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  if (!pkg.scripts?.deb) {
    cannot('no .deb to test: set KEXEC_REBOOT_DEB=/path/to/kexec-reboot_*.deb, or the package needs an `npm run deb` script (not there yet).');
  }
  progress('building the package: npm run deb');
  let out;
  try {
    out = await run('npm', ['run', '--silent', 'deb'], { cwd: REPO, logFile: path.join(CACHE, 'npm-run-deb.log') });
  } catch (e) {
    loud(`npm run deb failed:\n${e.message}`);
    process.exit(1);
  }
  const debs = [...out.matchAll(/(\S+\.deb)\b/g)].map((m) => m[1]).map((p) => path.resolve(REPO, p));
  const found = debs.reverse().find((p) => fs.existsSync(p));
  if (!found) {
    loud(`npm run deb printed no existing .deb path. Its output:\n${out.slice(-2000)}`);
    process.exit(1);
  }
  return found;
}
