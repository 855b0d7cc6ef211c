/** Unified kernel images end to end: systemd-boot's type #2 entry taken apart and loaded, checked under lockdown. */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { bzImage, cpio, makeFakeRoot, type FakeRoot } from '../support/fake-root.js';
import { unifiedImage } from '../support/unified-image.js';

const CLI = new URL('../../dist/kexec-reboot.cjs', import.meta.url).pathname;
const UKI = '/efi/EFI/Linux/debian-6.12.57+deb13-amd64.efi';
const KERNEL = bzImage('the kernel inside');

/** A PE fixture (test/fixtures/pe) passing for an EFI-stub bzImage, as Debian's kernels are: signed, or with the signature removed. */
function efiStubKernel(fixture: string): Buffer {
  const image = Buffer.from(fs.readFileSync(new URL(`../fixtures/pe/${fixture}`, import.meta.url)));
  image.write('HdrS', 0x202, 'latin1');
  return image;
}

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

function kexecReboot(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, '--root', fake.dir, ...args], { env: { PATH: process.env.PATH, ...fake.env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A systemd-boot machine whose only entry is a UKI, with no /vmlinuz: kernel-install's uki layout. */
function withUki(linux: Buffer = KERNEL): FakeRoot {
  const f = makeFakeRoot();
  f.remove('/vmlinuz');
  f.remove('/initrd.img');
  // The real size is not a multiple of the file alignment: the padding after it must not be loaded.
  f.write(UKI, unifiedImage({ linux, ucode: cpio('ucode|'), initrd: cpio('initramfs|'), cmdline: 'root=/dev/vda ro console=ttyS0 uki=1' }));
  return f;
}

describe('a unified kernel image as the default entry', () => {
  it('loads its .linux section and its initrds, each by its real size, with its .cmdline, and leaves nothing in /run', () => {
    fake = withUki(KERNEL.subarray(0, 1001));
    const { code, stderr } = kexecReboot('hook', '--verb', 'reboot');
    expect(code).toBe(0);
    expect(stderr).toContain(`kexec-reboot: reboot by kexec: loaded ${UKI} with kexec_file_load (a unified kernel image: its .linux section, with its own initrds)`);
    expect(fake.invocations('kexec').map((i) => i.argv)).toEqual([
      ['-s', '-l', `${fake.dir}/run/kexec-reboot/vmlinuz`, `--initrd=${fake.dir}/run/kexec-reboot/initrd.img`, '--append=root=/dev/vda ro console=ttyS0 uki=1'],
    ]);
    expect(fs.readFileSync(`${fake.dir}/fake/loaded-kernel`)).toEqual(KERNEL.subarray(0, 1001));
    expect(fs.readFileSync(`${fake.dir}/fake/loaded-initrd`, 'latin1')).toBe(cpio('ucode|') + cpio('initramfs|'));
    expect(fake.exists('/run/kexec-reboot/vmlinuz')).toBe(false);
    expect(fake.exists('/run/kexec-reboot/initrd.img')).toBe(false);
  });

  it('status says where the kernel, initrds and command line come from', () => {
    fake = withUki();
    expect(kexecReboot('status').stdout).toContain(`  initrd   2 section(s) of ${UKI}\n           from the .ucode and .initrd sections of ${UKI}\n`);
    const status = JSON.parse(kexecReboot('status', '--json').stdout);
    expect(status).toMatchObject({
      nextReboot: 'kexec',
      kernel: { path: UKI, origin: expect.stringMatching(/first in systemd-boot order; a unified kernel image: its \.linux section$/) },
      initrds: { paths: [], origin: `the .ucode and .initrd sections of ${UKI}` },
      cmdline: { value: 'root=/dev/vda ro console=ttyS0 uki=1', origin: `the .cmdline section of ${UKI}` },
    });
  });

  it('plans a firmware reboot before the shutdown when, locked down, the kernel inside is not signed', () => {
    fake = withUki(efiStubKernel('tiny-stripped.efi'));
    fake.write('/sys/kernel/security/lockdown', 'none [integrity] confidentiality\n');
    const status = JSON.parse(kexecReboot('status', '--json').stdout);
    expect(status).toMatchObject({ nextReboot: 'cold', reason: 'kernel-unsigned' });
    expect(status.why).toMatch(new RegExp(`^the kernel in the \\.linux section of ${UKI.replace(/[.+]/g, '\\$&')} is not signed`));
  });

  it("reads the signature of the kernel inside, not the image's own", () => {
    fake = withUki(efiStubKernel('tiny-signed.efi'));
    fake.write('/sys/kernel/security/lockdown', 'none [integrity] confidentiality\n');
    expect(JSON.parse(kexecReboot('status', '--json').stdout)).toMatchObject({ nextReboot: 'kexec' });
  });
});
