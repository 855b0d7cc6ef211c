import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { execFile, execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { LOADER_GUID } from '../../src/boot-target/bootloader/bls.js';
import { bzImage, cpio, efiVariable, makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

/** USE_GRUB_CONFIG end to end: a real grub.cfg made by Debian's grub-mkconfig (test/boot-target/bootloader/fixtures). */
const CLI = new URL('../../dist/kexec-reboot.cjs', import.meta.url).pathname;
const GRUB_FIXTURES = new URL('../boot-target/bootloader/fixtures/grub/', import.meta.url).pathname;
const ROOT_UUID = '0a1b2c3d-1111-4222-8333-444455556666';
const VERSIONS = ['6.1.0-9-amd64', '6.1.0-10-amd64', '6.1.0-11-amd64'];

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

function debianWithGrub(grubenv: string): FakeRoot {
  const f = makeFakeRoot();
  f.write('/etc/default/kexec', 'USE_GRUB_CONFIG=true\n');
  f.write('/etc/fstab', `UUID=${ROOT_UUID} / ext4 errors=remount-ro 0 1\n`);
  f.write('/boot/grub/grub.cfg', fs.readFileSync(path.join(GRUB_FIXTURES, 'saved/grub.cfg')));
  f.write('/boot/grub/grubenv', fs.readFileSync(path.join(GRUB_FIXTURES, 'saved', grubenv)));
  for (const version of VERSIONS) {
    f.write(`/boot/vmlinuz-${version}`, bzImage(version));
    f.write(`/boot/initrd.img-${version}`, cpio(`initramfs-${version}|`));
  }
  f.write('/boot/intel-ucode.img', cpio('intel|'));
  f.write('/boot/amd-ucode.img', cpio('amd|'));
  return f;
}

function kexecReboot(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, '--root', fake.dir, ...args], { env: { PATH: process.env.PATH, ...fake.env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('USE_GRUB_CONFIG=true', () => {
  it('boots the grub-set-default entry, with every initrd, and says which entry it is', () => {
    fake = debianWithGrub('grubenv-set-default-number');
    const status = JSON.parse(kexecReboot('status', '--json').stdout);
    expect(status).toMatchObject({
      nextReboot: 'kexec',
      kernel: { path: '/boot/vmlinuz-6.1.0-11-amd64', origin: expect.stringMatching(/^\/boot\/grub\/grub\.cfg entry "Advanced options for Debian GNU\/Linux>/) },
      initrds: { paths: ['/boot/intel-ucode.img', '/boot/amd-ucode.img', '/boot/initrd.img-6.1.0-11-amd64'] },
    });
    expect(status.kexecArgv[4]).toBe(`--initrd=${fake.dir}/run/kexec-reboot/initrd.img`);
  });

  it('takes a grub-reboot one-shot, loads the concatenated initrds, and clears next_entry as GRUB would', () => {
    fake = debianWithGrub('grubenv-reboot-once');
    expect(JSON.parse(kexecReboot('status', '--json').stdout).kernel.path).toBe('/boot/vmlinuz-6.1.0-9-amd64');
    const { code, stderr } = kexecReboot('hook', '--verb', 'reboot');
    expect(code).toBe(0);
    expect(stderr).toContain('kexec-reboot: reboot by kexec: loaded /boot/vmlinuz-6.1.0-9-amd64');
    expect(stderr).toContain('cleared the grub-reboot one-shot (next_entry) in /boot/grub/grubenv');
    expect(fake.invocations('grub-editenv').map((i) => i.argv)).toEqual([[`${fake.dir}/boot/grub/grubenv`, 'unset', 'next_entry']]);
    expect(fake.exists('/run/kexec-reboot/initrd.img')).toBe(false);
  });

  it('does not clear the one-shot when the reboot goes through firmware, so GRUB still honours it', () => {
    fake = debianWithGrub('grubenv-reboot-once');
    fake.setKexecMode('fail');
    kexecReboot('hook', '--verb', 'reboot');
    expect(fake.invocations('grub-editenv')).toEqual([]);
  });

  it('falls back to KERNEL_IMAGE and INITRD, saying why, when GRUB\'s entry cannot be used', () => {
    fake = debianWithGrub('grubenv-set-default-number');
    fake.remove('/boot/vmlinuz-6.1.0-11-amd64');
    const status = JSON.parse(kexecReboot('status', '--json').stdout);
    expect(status).toMatchObject({ nextReboot: 'kexec', kernel: { path: '/boot/vmlinuz-6.1.0-9-amd64' } });
    expect(status.warnings).toEqual([expect.stringMatching(/^USE_GRUB_CONFIG is true, but .*not found.*; using KERNEL_IMAGE and INITRD instead$/)]);
  });

  it("takes systemd-boot's one-shot entry and, once it is loaded, removes LoaderEntryOneShot with bootctl", () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'USE_GRUB_CONFIG=true\n');
    for (const version of ['6.1.0-9-amd64', '6.1.0-10-amd64']) {
      fake.write(`/boot/loader/entries/debian-${version}.conf`, `linux /vmlinuz-${version}\ninitrd /initrd.img-${version}\noptions root=/dev/vda ro\n`);
      fake.write(`/boot/vmlinuz-${version}`, bzImage());
      fake.write(`/boot/initrd.img-${version}`, cpio('initramfs'));
    }
    fake.write(`/sys/firmware/efi/efivars/LoaderEntryOneShot-${LOADER_GUID}`, efiVariable('debian-6.1.0-9-amd64.conf'));
    const { code, stderr } = kexecReboot('hook', '--verb', 'reboot');
    expect(code).toBe(0);
    expect(stderr).toContain('kexec-reboot: reboot by kexec: loaded /boot/vmlinuz-6.1.0-9-amd64');
    expect(stderr).toContain("cleared systemd-boot's one-shot entry (the EFI variable LoaderEntryOneShot), as systemd-boot would have");
    expect(fake.invocations('bootctl').map((i) => i.argv)).toEqual([['set-oneshot', '']]);
    expect(fake.invocations('grub-editenv')).toEqual([]);
  });

  it('uses a Boot Loader Spec entry when there is no GRUB', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'USE_GRUB_CONFIG=true\n');
    fake.write('/boot/loader/entries/debian-6.1.0-10-amd64.conf', 'title Debian\nversion 6.1.0-10-amd64\nlinux /vmlinuz-6.1.0-10-amd64\ninitrd /initrd.img-6.1.0-10-amd64\noptions root=/dev/vda ro bls=1\n');
    fake.write('/boot/vmlinuz-6.1.0-10-amd64', bzImage());
    fake.write('/boot/initrd.img-6.1.0-10-amd64', cpio('initramfs'));
    const status = JSON.parse(kexecReboot('status', '--json').stdout);
    expect(status).toMatchObject({
      nextReboot: 'kexec',
      kernel: { path: '/boot/vmlinuz-6.1.0-10-amd64', origin: expect.stringContaining('/boot/loader/entries/debian-6.1.0-10-amd64.conf') },
      cmdline: { value: 'root=/dev/vda ro bls=1' },
    });
  });
});

describe('no /vmlinuz and KERNEL_IMAGE not set (do_symlinks = no, Proxmox VE, systemd-boot)', () => {
  const CHOSEN_BY = /^the boot loader's next entry \(\/vmlinuz does not exist and KERNEL_IMAGE is not set to another kernel\): \/efi\/loader\/entries\/m-6.1.0-10-amd64.conf/;

  /** kernel-install's layout on an ESP at /efi, and no /vmlinuz or /initrd.img. */
  function withoutSymlinks(): FakeRoot {
    const f = makeFakeRoot();
    f.remove('/vmlinuz');
    f.remove('/initrd.img');
    f.write('/efi/loader/entries/m-6.1.0-10-amd64.conf', 'title Debian\nlinux /m/6.1.0-10-amd64/linux\ninitrd /m/6.1.0-10-amd64/initrd\noptions root=/dev/vda ro entry=1\n');
    f.write('/efi/m/6.1.0-10-amd64/linux', bzImage());
    f.write('/efi/m/6.1.0-10-amd64/initrd', cpio('initramfs'));
    return f;
  }

  it("plans a kexec of systemd-boot's default entry, and status says which rule chose it", () => {
    fake = withoutSymlinks();
    expect(JSON.parse(kexecReboot('status', '--json').stdout)).toMatchObject({
      nextReboot: 'kexec',
      kernel: { path: '/efi/m/6.1.0-10-amd64/linux', origin: expect.stringMatching(CHOSEN_BY) },
      initrds: { paths: ['/efi/m/6.1.0-10-amd64/initrd'] },
      cmdline: { value: 'root=/dev/vda ro entry=1' },
    });
    expect(kexecReboot('status').stdout).toMatch(/kernel +\/efi\/m\/6.1.0-10-amd64\/linux\n.*the boot loader's next entry \(\/vmlinuz does not exist/);
  });

  // kexec-tools' postinst writes KERNEL_IMAGE="/vmlinuz" and INITRD="/initrd.img"
  // into every /etc/default/kexec: the defaults, written out, choose nothing.
  it("plans the same with kexec-tools' own /etc/default/kexec, which writes the defaults out", () => {
    fake = withoutSymlinks();
    fake.write('/etc/default/kexec', fs.readFileSync(new URL('../fixtures/debian-kexec-tools.default', import.meta.url)));
    expect(JSON.parse(kexecReboot('status', '--json').stdout)).toMatchObject({
      nextReboot: 'kexec',
      kernel: { path: '/efi/m/6.1.0-10-amd64/linux', origin: expect.stringMatching(CHOSEN_BY) },
      initrds: { paths: ['/efi/m/6.1.0-10-amd64/initrd'] },
    });
  });
});

describe('USE_GRUB_CONFIG=true with boot loader files it must not use', () => {
  /** A GRUB entry that would boot a root shell, in a system that otherwise boots /vmlinuz. */
  function withShellEntry(mode: number): FakeRoot {
    const f = makeFakeRoot();
    f.write('/etc/default/kexec', 'USE_GRUB_CONFIG=true\n');
    f.write('/boot/grub/grub.cfg', "menuentry 'shell' { linux /boot/vmlinuz-6.1.0-9-amd64 root=/dev/vda ro init=/bin/sh; }\n");
    fs.chmodSync(`${f.dir}/boot/grub/grub.cfg`, mode);
    return f;
  }

  it('boots the entry of a grub.cfg only root can write', () => {
    fake = withShellEntry(0o644);
    expect(JSON.parse(kexecReboot('status', '--json').stdout).cmdline.value).toBe('root=/dev/vda ro init=/bin/sh');
  });

  it.each([
    ['everyone', 0o646],
    ['its group', 0o664],
  ])('does not take the command line from a grub.cfg writable by %s, and says why', (who, mode) => {
    fake = withShellEntry(mode);
    const status = JSON.parse(kexecReboot('status', '--json').stdout);
    expect(status.cmdline.value).not.toContain('init=/bin/sh');
    expect(status).toMatchObject({ nextReboot: 'kexec', kernel: { path: '/boot/vmlinuz-6.1.0-9-amd64', origin: expect.stringMatching(/^KERNEL_IMAGE=/) } });
    expect(status.warnings).toEqual([
      `USE_GRUB_CONFIG is true, but /boot/grub/grub.cfg is writable by ${who}, who could then choose the next kernel (fix: chmod go-w /boot/grub/grub.cfg); using KERNEL_IMAGE and INITRD instead`,
    ]);
    expect(kexecReboot('status').stdout).toContain(`warning: USE_GRUB_CONFIG is true, but /boot/grub/grub.cfg is writable by ${who}`);
  });

  it('status finishes with a FIFO for grub.cfg, saying so, instead of waiting for a writer', async () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'USE_GRUB_CONFIG=true\n');
    fs.mkdirSync(`${fake.dir}/boot/grub`, { recursive: true });
    execFileSync('mkfifo', [`${fake.dir}/boot/grub/grub.cfg`]);
    let child: ChildProcess | undefined;
    // A child still waiting on the FIFO when the test times out must not outlive it.
    onTestFinished(() => void child?.kill('SIGKILL'));
    const stdout = await new Promise<string>((resolve, reject) => {
      child = execFile(process.execPath, [CLI, '--root', fake.dir, 'status'], { env: { PATH: process.env.PATH, ...fake.env } }, (error, out) => (error ? reject(error) : resolve(out)));
    });
    expect(stdout).toMatch(/^Next reboot: kexec/);
    expect(stdout).toContain('warning: USE_GRUB_CONFIG is true, but /boot/grub/grub.cfg: not a regular file (a FIFO); using KERNEL_IMAGE and INITRD instead\n');
  }, 5000);
});
