import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { check, effectiveConfig, status } from '../../src/commands/inspect.js';
import { makeFakeRoot, KERNEL_VERSION, type FakeRoot } from '../support/fake-root.js';

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

describe('status', () => {
  it('gives the plan and the exact kexec command the shutdown would run', async () => {
    fake = makeFakeRoot();
    const { assessment, kexecCommand } = await status(fake.root, fake.programs);
    expect(assessment.plan).toMatchObject({ action: 'kexec', reason: 'configured' });
    expect(kexecCommand).toEqual([
      fake.programs.kexec,
      '-s',
      '-l',
      `${fake.dir}/boot/vmlinuz-${KERNEL_VERSION}`,
      `--initrd=${fake.dir}/boot/initrd.img-${KERNEL_VERSION}`,
      '--append=root=UUID=0b1c ro quiet',
    ]);
    expect(fake.invocations('kexec')).toEqual([]);
  });

  it('names no kexec command when the shutdown would run none', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(await status(fake.root, fake.programs)).toMatchObject({ assessment: { plan: { reason: 'already-loaded' } }, kexecCommand: undefined });
    fake.write('/sys/kernel/kexec_loaded', '0\n');
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=false\n');
    expect(await status(fake.root, fake.programs)).toMatchObject({ assessment: { plan: { action: 'cold' } }, kexecCommand: undefined });
  });
});

describe('effectiveConfig', () => {
  it('reads the configuration with its snippets, each value with where it came from', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'APPEND="quiet"\n');
    fake.write('/etc/default/kexec.d/10-off', 'LOAD_KEXEC=false\n');
    expect(effectiveConfig(fake.root).config).toMatchObject({
      append: { value: 'quiet', origin: '/etc/default/kexec:1' },
      loadKexec: { value: false, origin: '/etc/default/kexec.d/10-off:1' },
    });
  });
});

describe('check', () => {
  it('passes a configuration a kexec reboot can use', async () => {
    fake = makeFakeRoot();
    expect(await check(fake.root, fake.programs)).toEqual({ warnings: [], errors: [], ok: true, summary: 'configuration OK' });
  });

  it('passes kexec switched off on purpose, and says reboots go through firmware', async () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=false\n');
    expect(await check(fake.root, fake.programs)).toMatchObject({
      ok: true,
      summary: 'configuration OK; LOAD_KEXEC is false (/etc/default/kexec:1): reboots go through firmware',
    });
  });

  it('fails on errors in the files, which say it all', async () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=maybe\n');
    const result = await check(fake.root, fake.programs);
    expect(result).toMatchObject({ ok: false, summary: undefined, errors: [{ file: '/etc/default/kexec', line: 1 }] });
  });

  it('fails with the reason when the files it names are unusable', async () => {
    fake = makeFakeRoot();
    fake.remove(`/boot/vmlinuz-${KERNEL_VERSION}`);
    expect(await check(fake.root, fake.programs)).toMatchObject({ ok: false, summary: expect.stringMatching(/does not exist/) });
  });

  it('judges the configuration, not the kernel loaded already', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    fake.remove(`/boot/vmlinuz-${KERNEL_VERSION}`);
    expect(await check(fake.root, fake.programs)).toMatchObject({ ok: false });
  });
});
