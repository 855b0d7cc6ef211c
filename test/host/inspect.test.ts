import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { inspectInitrd, inspectKernel } from '../../src/host/inspect.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

const X86 = { machine: 'x86_64' };

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

describe('inspectKernel', () => {
  it('accepts a bzImage', () => {
    fake = makeFakeRoot();
    expect(inspectKernel(fake.root, '/boot/vmlinuz-6.1.0-9-amd64', X86)).toMatchObject({ path: '/boot/vmlinuz-6.1.0-9-amd64', size: 1024 });
  });

  it.each([
    ['a text file', (f: FakeRoot) => f.write('/boot/k', 'not a kernel'), /not a Linux kernel image/],
    ['an empty file', (f: FakeRoot) => f.write('/boot/k', ''), /not a Linux kernel image/],
    ['a directory', (f: FakeRoot) => fs.mkdirSync(`${f.dir}/boot/k`), /not a regular file/],
    ['a FIFO, without blocking', (f: FakeRoot) => execFileSync('mkfifo', [`${f.dir}/boot/k`]), /not a regular file/],
    ['a device, without opening it', (f: FakeRoot) => fs.symlinkSync('/dev/zero', `${f.dir}/boot/k`), /not a regular file \(a device\)/],
    ['a missing file', () => undefined, /does not exist/],
    ['a kernel others may write', (f: FakeRoot) => (f.write('/boot/k', Buffer.alloc(1024)), fs.chmodSync(`${f.dir}/boot/k`, 0o666)), /writable by everyone/],
  ])('rejects %s', (_, make, unusable) => {
    fake = makeFakeRoot();
    make(fake);
    expect(inspectKernel(fake.root, '/boot/k', X86)).toEqual({ unusable: expect.stringMatching(unusable) });
  });
});

describe('inspectInitrd', () => {
  it.each([
    ['cpio (microcode first)', Buffer.from('070701000000')],
    ['gzip', Buffer.from([0x1f, 0x8b, 0x08, 0])],
    ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])],
    ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0])],
  ])('accepts an initramfs that starts as %s', (_, start) => {
    fake = makeFakeRoot();
    fake.write('/boot/i', start);
    expect(inspectInitrd(fake.root, '/boot/i')).toMatchObject({ path: '/boot/i', size: start.length });
  });

  it('refuses garbage, which would make the new kernel panic', () => {
    fake = makeFakeRoot();
    fake.write('/boot/i', 'this is not an initramfs');
    expect(inspectInitrd(fake.root, '/boot/i')).toEqual({ unusable: '/boot/i is not an initramfs (neither a cpio archive nor a compressed one)' });
  });

  it('accepts a non-empty file and rejects an empty one', () => {
    fake = makeFakeRoot();
    expect(inspectInitrd(fake.root, '/boot/initrd.img-6.1.0-9-amd64')).toMatchObject({ path: '/boot/initrd.img-6.1.0-9-amd64' });
    fake.write('/boot/empty', '');
    expect(inspectInitrd(fake.root, '/boot/empty')).toEqual({ unusable: '/boot/empty is empty' });
  });
});
