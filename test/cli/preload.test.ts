import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { bzImage, makeFakeRoot, KERNEL_VERSION, type FakeRoot } from '../support/fake-root.js';

const CLI = new URL('../../dist/kexec-reboot.cjs', import.meta.url).pathname;

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

function run(program: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [program, '--root', fake.dir, ...args], { env: { PATH: process.env.PATH, ...fake.env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const kexecReboot = (...args: string[]) => run(CLI, ...args);
const loads = () => fake.invocations('kexec').filter((i) => i.argv.includes('-l')).map((i) => i.argv[2]);

describe('PRELOAD=true', () => {
  it('loads ahead of time, and the shutdown hook only verifies', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'PRELOAD=true\n');
    expect(kexecReboot('preload').code).toBe(0);
    expect(loads()).toEqual([`${fake.dir}/boot/vmlinuz-${KERNEL_VERSION}`]);
    const status = JSON.parse(kexecReboot('status', '--json').stdout);
    expect(status).toMatchObject({ nextReboot: 'kexec', reason: 'preloaded', loaded: { byKexecReboot: true, matchesPlan: true } });
    expect(kexecReboot('status').stdout).toMatch(/loaded +yes, by kexec-reboot at .*; it still matches the plan/);
    expect(kexecReboot('status').stdout).toMatch(/^Next reboot: kexec into the kernel already loaded at (\S+); it is checked against the plan again during shutdown\n/);
    expect(kexecReboot('hook', '--verb', 'reboot').stderr).toMatch(/reboot by kexec: the kernel loaded at .* is still what the configuration names/);
    expect(loads()).toHaveLength(1);
  });

  it('loads the new kernel when /vmlinuz was repointed after the preload, at the next preload or at the latest during shutdown', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'PRELOAD=true\nINITRD=\n');
    kexecReboot('preload');
    fake.write('/boot/vmlinuz-6.1.0-10-amd64', bzImage('new'));
    fake.link('/vmlinuz', 'boot/vmlinuz-6.1.0-10-amd64');
    expect(JSON.parse(kexecReboot('status', '--json').stdout)).toMatchObject({ reason: 'configured', loaded: { byKexecReboot: true, matchesPlan: false } });
    expect(kexecReboot('hook', '--verb', 'reboot').code).toBe(0);
    expect(loads()).toEqual([`${fake.dir}/boot/vmlinuz-${KERNEL_VERSION}`, `${fake.dir}/boot/vmlinuz-6.1.0-10-amd64`]);
  });

  it('unloads its kernel when the configuration turns kexec off, rather than booting it', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'PRELOAD=true\n');
    kexecReboot('preload');
    fake.write('/etc/default/kexec', 'PRELOAD=true\nLOAD_KEXEC=false\n');
    expect(kexecReboot('hook', '--verb', 'reboot').stderr).toMatch(/reboot through firmware: LOAD_KEXEC is false/);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('0');
  });

  it("unloads the preloaded kernel during shutdown after kexec-tools' coldreboot", () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'PRELOAD=true\n');
    kexecReboot('preload');
    fake.write('/no-kexec-reboot', '');
    expect(kexecReboot('hook', '--verb', 'reboot').stderr).toMatch(/reboot through firmware: \/no-kexec-reboot exists/);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('0');
  });

  it('does nothing with PRELOAD off', () => {
    fake = makeFakeRoot();
    expect(kexecReboot('preload').stdout).toBe('PRELOAD is false (default): nothing to do\n');
    expect(fake.invocations('kexec')).toEqual([]);
  });
});
