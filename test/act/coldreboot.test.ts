import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { coldReboot } from '../../src/act/coldreboot.js';
import type { Log } from '../../src/log.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

function recordingLog() {
  const lines: string[] = [];
  const log: Log = (priority, message) => lines.push(`${priority}: ${message}`);
  return { log, lines };
}

describe('coldReboot', () => {
  it('flags the boot, unloads a kernel loaded by hand, then reboots with auto-kexec off', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    const { log } = recordingLog();
    expect(await coldReboot(fake.root, fake.programs, ['--force'], log)).toBe(0);
    expect(fake.invocations('kexec').map((i) => i.argv)).toEqual([['-u']]);
    expect(fake.invocations('reboot')).toEqual([{ argv: ['--force'], skipAutoKexec: '1', coldFlag: true, kernelLoaded: '0' }]);
    const flag = fs.lstatSync(`${fake.dir}/run/kexec-reboot/coldreboot`);
    expect(flag.isFile()).toBe(true);
    expect(fs.statSync(`${fake.dir}/run/kexec-reboot`).mode & 0o777).toBe(0o700);
  });

  it('does not run kexec when nothing is loaded', async () => {
    fake = makeFakeRoot();
    await coldReboot(fake.root, fake.programs, [], recordingLog().log);
    expect(fake.invocations('kexec')).toEqual([]);
    expect(fake.invocations('reboot')).toHaveLength(1);
  });

  it('removes the flag again when reboot fails, so a later reboot is not cold by surprise', async () => {
    fake = makeFakeRoot();
    const { log, lines } = recordingLog();
    const failing = { ...fake.programs, reboot: '/bin/false' };
    expect(await coldReboot(fake.root, failing, [], log)).toBe(1);
    expect(fake.exists('/run/kexec-reboot/coldreboot')).toBe(false);
    expect(lines).toEqual(['err: /bin/false failed (exit code 1)']);
  });

  it('refuses to reboot when it cannot set the flag', async () => {
    fake = makeFakeRoot();
    fake.link('/run/kexec-reboot', '/tmp');
    const { log, lines } = recordingLog();
    expect(await coldReboot(fake.root, fake.programs, [], log)).toBe(1);
    expect(fake.invocations('reboot')).toEqual([]);
    expect(lines[0]).toMatch(/^err: cannot mark this boot for a cold reboot .*not rebooting/);
  });
});
