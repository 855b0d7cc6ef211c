/** An arm64 machine, as far as a fake root can be one: its kernel's machine, release and build configuration. */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { makeFakeRoot, KERNEL_VERSION, type FakeRoot } from '../support/fake-root.js';

const CLI = new URL('../../dist/kexec-reboot.cjs', import.meta.url).pathname;
let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

const status = () => JSON.parse(spawnSync(process.execPath, [CLI, '--root', fake.dir, 'status', '--json'], { env: { PATH: process.env.PATH, ...fake.env }, encoding: 'utf8' }).stdout);

/** Debian 13 arm64: vmlinuz is an uncompressed Image (an EFI PE too), the kernel built with kexec_load only. */
function arm64Machine(): FakeRoot {
  const f = makeFakeRoot();
  const image = Buffer.alloc(1024);
  image.write('MZ', 0, 'latin1');
  image.writeUInt32LE(0b0010, 0x30); // little-endian, 4 KiB pages
  image.write('ARM\x64', 0x38, 'latin1');
  f.write(`/boot/vmlinuz-${KERNEL_VERSION}`, image);
  f.write('/proc/sys/kernel/arch', 'aarch64\n');
  f.write('/proc/sys/kernel/osrelease', `${KERNEL_VERSION}\n`);
  f.write(`/boot/config-${KERNEL_VERSION}`, 'CONFIG_KEXEC=y\n# CONFIG_KEXEC_FILE is not set\nCONFIG_ARM64_PAGE_SHIFT=12\n');
  return f;
}

describe('arm64', () => {
  it("kexecs Debian's arm64 Image", () => {
    fake = arm64Machine();
    expect(status()).toMatchObject({ nextReboot: 'kexec', kernel: { path: `/boot/vmlinuz-${KERNEL_VERSION}` } });
  });

  it('plans a firmware reboot, before the shutdown, where lockdown leaves a kernel without kexec_file_load no call to load with', () => {
    fake = arm64Machine();
    fake.write('/sys/kernel/security/lockdown', 'none [integrity] confidentiality\n');
    expect(status()).toMatchObject({ nextReboot: 'cold', reason: 'kexec-unsupported', why: expect.stringMatching(/was built without kexec_file_load/) });
  });

  it('refuses an x86 kernel, and says so', () => {
    fake = arm64Machine();
    const bz = Buffer.alloc(1024);
    bz.write('HdrS', 0x202, 'latin1');
    fake.write(`/boot/vmlinuz-${KERNEL_VERSION}`, bz);
    expect(status()).toMatchObject({ nextReboot: 'cold', reason: 'kernel-unusable', why: `/boot/vmlinuz-${KERNEL_VERSION} is an x86 bzImage, not an arm64 Image` });
  });
});
