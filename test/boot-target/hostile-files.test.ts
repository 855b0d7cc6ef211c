/**
 * Every file the boot target is resolved from, made hostile: each must end in
 * one line that names the file, and never block (a FIFO would hang a plain read
 * until systemd's TimeoutStopSec).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOADER_GUID } from '../../src/boot-target/bootloader/bls.js';
import { DEFAULT_CONFIG, type KexecConfig } from '../../src/config/config.js';
import { resolveTarget, type BootTarget } from '../../src/boot-target/boot-target.js';
import { debianRoot, efiVariable, fakeTreeWith, type FakeTree } from '../support/fake-root.js';

const WITH_BOOTLOADER: KexecConfig = { ...DEFAULT_CONFIG, useGrubConfig: { value: true, origin: 'test' } };

function blsRoot(): FakeTree {
  return fakeTreeWith({
    '/boot/loader/loader.conf': 'default debian*\n',
    '/boot/loader/entries/debian.conf': 'linux /vmlinuz\noptions root=/dev/sda1\n',
    '/boot/loader/entries/other.conf': 'linux /vmlinuz\noptions root=/dev/sda1 init=/bin/sh\n',
    '/boot/vmlinuz': 'kernel',
    [`/sys/firmware/efi/efivars/LoaderEntryDefault-${LOADER_GUID}`]: efiVariable('debian.conf'),
  });
}

interface ReadFile {
  readonly file: string;
  readonly setUp: () => FakeTree;
  readonly config: KexecConfig;
  /** A binary file has no text to be refused for NUL bytes or bad UTF-8. */
  readonly binary?: boolean;
  /** It chooses the kernel or its command line, so whoever can write it must be trusted. */
  readonly choosesTheEntry?: boolean;
}

function withCustomCfg(): FakeTree {
  const root = debianRoot('default');
  root.write('/boot/grub/custom.cfg', '# added by hand\n');
  return root;
}

const FILES: readonly ReadFile[] = [
  { file: '/boot/grub/grub.cfg', setUp: () => debianRoot('default'), config: WITH_BOOTLOADER, choosesTheEntry: true },
  { file: '/boot/grub/grubenv', setUp: () => debianRoot('saved', 'saved/grubenv-set-default-number'), config: WITH_BOOTLOADER, choosesTheEntry: true },
  { file: '/boot/grub/custom.cfg', setUp: withCustomCfg, config: WITH_BOOTLOADER, choosesTheEntry: true },
  { file: '/etc/fstab', setUp: () => debianRoot('separate-boot'), config: WITH_BOOTLOADER },
  { file: '/boot/loader/entries/other.conf', setUp: blsRoot, config: WITH_BOOTLOADER, choosesTheEntry: true },
  { file: '/boot/loader/loader.conf', setUp: blsRoot, config: WITH_BOOTLOADER, choosesTheEntry: true },
  { file: `/sys/firmware/efi/efivars/LoaderEntryDefault-${LOADER_GUID}`, setUp: blsRoot, config: WITH_BOOTLOADER, binary: true },
  { file: '/proc/cmdline', setUp: () => fakeTreeWith({ '/vmlinuz': 'kernel', '/initrd.img': 'initrd' }), config: DEFAULT_CONFIG },
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Hostile {
  readonly name: string;
  readonly make: (hostPath: string) => void;
  readonly says: string;
  readonly text?: boolean;
}

const HOSTILE: readonly Hostile[] = [
  { name: 'a FIFO', make: (p) => execFileSync('mkfifo', [p]), says: ': not a regular file \\(a FIFO\\)' },
  { name: 'a device (a symlink to /dev/zero)', make: (p) => fs.symlinkSync('/dev/zero', p), says: ': not a regular file \\(a device\\)' },
  {
    name: 'a symlink loop',
    make: (p) => {
      fs.symlinkSync(`${path.basename(p)}-loop`, p);
      fs.symlinkSync(path.basename(p), `${p}-loop`);
    },
    says: ': (cannot open: )?symlink loop',
  },
  { name: 'a 10 MB file', make: (p) => fs.writeFileSync(p, '#'.repeat(10 * 1024 * 1024)), says: ': larger than \\d+ bytes \\(\\d+ [KM]iB\\); not read' },
  { name: 'NUL bytes', make: (p) => fs.writeFileSync(p, '# GRUB Environment Block\nx\0\n'), says: ':2: contains a NUL byte: not a text file', text: true },
  { name: 'invalid UTF-8', make: (p) => fs.writeFileSync(p, Buffer.from([0x23, 0xff, 0xfe, 0x0a])), says: ': not valid UTF-8: not a text file', text: true },
];

const CASES = FILES.flatMap((file) => HOSTILE.filter((h) => !(h.text && file.binary)).map((hostile) => [file.file, hostile.name, file, hostile] as const));

describe('hostile files the boot target is read from', () => {
  it.each(CASES)('%s as %s: refused in one line that names it', async (_, __, { file, setUp, config }, { make, says }) => {
    const { root } = setUp();
    fs.mkdirSync(path.dirname(root.path(file)), { recursive: true });
    fs.rmSync(root.path(file), { force: true });
    make(root.path(file));
    const reason = whyNotUsed(await resolveTarget(root, config));
    expect(reason).toMatch(new RegExp(`${escape(file)}${says}`));
    expect(reason).not.toContain('\n');
  }, 10_000);
});

function whyNotUsed(target: BootTarget): string {
  return target.bootloaderFallback ?? target.problems.map((p) => p.unusable).join('\n');
}

describe('boot loader files that others can write', () => {
  const choosing = FILES.filter((f) => f.choosesTheEntry).map((f) => [f.file, f] as const);

  it.each(choosing)('%s: its entry is not used, and the reason says how to fix it', async (_, { file, setUp, config }) => {
    const { root } = setUp();
    expect((await resolveTarget(root, config)).bootloaderFallback).toBeUndefined();
    fs.chmodSync(root.path(file), 0o664);
    const target = await resolveTarget(root, config);
    expect(whyNotUsed(target)).toContain(`${file} is writable by its group, who could then choose the next kernel (fix: chmod go-w ${file})`);
    expect(target.cmdline.value).not.toContain('init=/bin/sh');
  });
});
