import { afterEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import { runShutdownHook } from '../../src/commands/hook.js';
import type { Log } from '../../src/host/log.js';
import { readLoadRecord, writeLoadRecord } from '../../src/host/load-record.js';
import { bzImage, makeFakeRoot, KERNEL_VERSION, type FakeRoot } from '../support/fake-root.js';

/** Where the next hook run throws: while it assesses (no plan yet), or once it has acted on the plan. */
const failure = vi.hoisted(() => ({ at: undefined as 'assess' | 'after-outcome' | undefined }));

vi.mock('../../src/commands/assess.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/commands/assess.js')>();
  return {
    ...actual,
    assess: (...args: Parameters<typeof actual.assess>) => (failure.at === 'assess' ? Promise.reject(new Error('boom')) : actual.assess(...args)),
  };
});
vi.mock('../../src/act/kexec-tools-cold-flag.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/act/kexec-tools-cold-flag.js')>();
  return {
    ...actual,
    consumeKexecToolsColdFlag: (...args: Parameters<typeof actual.consumeKexecToolsColdFlag>) => {
      if (failure.at === 'after-outcome') throw new Error('boom');
      return actual.consumeKexecToolsColdFlag(...args);
    },
  };
});

let fake: FakeRoot;
afterEach(() => {
  failure.at = undefined;
  fs.rmSync(fake.dir, { recursive: true, force: true });
});

async function hookFailingAt(at: typeof failure.at) {
  failure.at = at;
  const lines: string[] = [];
  const log: Log = (priority, message) => lines.push(`${priority}: ${message}`);
  await runShutdownHook(fake.root, fake.programs, log, 'reboot', undefined, Date.now());
  failure.at = undefined;
  return lines;
}

const KERNEL = `/boot/vmlinuz-${KERNEL_VERSION}`;
const kernelLoaded = () => fake.read('/sys/kernel/kexec_loaded').trim() === '1';

describe('runShutdownHook after an unexpected error', () => {
  it('unloads a kernel it loaded ahead of time that it had no plan to check against, and says firmware', async () => {
    fake = makeFakeRoot();
    await hookFailingAt(undefined);
    // What the preload loaded is stale by now, but the plan that would say so is never made.
    fake.write('/boot/vmlinuz-6.1.0-10-amd64', bzImage('new'));
    fake.link('/vmlinuz', 'boot/vmlinuz-6.1.0-10-amd64');
    const lines = await hookFailingAt('assess');
    expect(lines).toEqual([
      expect.stringMatching(/^debug: Error: boom\s+at /),
      expect.stringMatching(new RegExp(`^err: reboot through firmware: unexpected error: boom; unloaded ${KERNEL} \\(loaded at .*\\): it was not verified against the plan$`)),
    ]);
    expect(kernelLoaded()).toBe(false);
    expect(readLoadRecord(fake.root)).toBeUndefined();
  });

  it('unloads what a load cut short left behind', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    writeLoadRecord(fake.root, { loadedAt: '2026-12-01T10:00:00.000Z' });
    const lines = await hookFailingAt('assess');
    expect(lines[1]).toBe(
      'err: reboot through firmware: unexpected error: boom; unloaded the kernel whose load started at 2026-12-01T10:00:00.000Z and did not finish: it was not verified against the plan',
    );
    expect(kernelLoaded()).toBe(false);
  });

  it('leaves a kernel loaded by hand, and says it will boot', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    const lines = await hookFailingAt('assess');
    expect(lines[1]).toBe('err: reboot by kexec: unexpected error: boom; the kernel loaded by hand stays loaded');
    expect(fake.invocations('kexec')).toEqual([]);
    expect(kernelLoaded()).toBe(true);
  });

  it('keeps a kernel it has checked against the plan, just loaded or loaded ahead of time, and names it', async () => {
    fake = makeFakeRoot();
    const kept = new RegExp(`^err: reboot by kexec: unexpected error: boom; ${KERNEL} \\(loaded at .*\\) is what the plan names and stays loaded$`);
    const justLoaded = await hookFailingAt('after-outcome');
    expect(justLoaded[0]).toMatch(/^notice: reboot by kexec: loaded /);
    expect(justLoaded[2]).toMatch(kept);
    const preloaded = await hookFailingAt('after-outcome');
    expect(preloaded[0]).toMatch(/^notice: reboot by kexec: the kernel loaded at .* is still what the configuration names$/);
    expect(preloaded[2]).toMatch(kept);
    expect(fake.invocations('kexec').map((i) => i.argv[0])).toEqual(['-s']);
    expect(kernelLoaded()).toBe(true);
  });

  it('leaves the final step a kernel it could not check nor unload with word not to start it', async () => {
    fake = makeFakeRoot();
    await hookFailingAt(undefined);
    fs.writeFileSync(fake.programs.kexec, '#!/bin/sh\necho "kexec_unload failed: Device or resource busy" >&2\nexit 1\n');
    const lines = await hookFailingAt('assess');
    const busy = 'failed: kexec_unload failed: Device or resource busy';
    expect(lines[1]).toMatch(
      new RegExp(
        `^err: reboot through firmware: unexpected error: boom; ${KERNEL} \\(loaded at .*\\) was not verified against the plan and could not be unloaded: kexec -s -u ${busy}; kexec -u ${busy}; the final kexec -e will not start it$`,
      ),
    );
    expect(kernelLoaded()).toBe(true);
    expect(fake.exists('/run/kexec-reboot/no-kexec')).toBe(true);
  });
});
