import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { runShutdownHook } from '../../src/commands/hook.js';
import type { Log } from '../../src/host/log.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';
import { readHistory } from '../../src/host/reboot-history.js';
import { request } from '../support/history.js';

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

async function hook(verb?: 'reboot' | 'poweroff', limits?: { totalMs: number; callMs: number }) {
  const lines: string[] = [];
  const log: Log = (priority, message) => lines.push(`${priority}: ${message}`);
  await runShutdownHook(fake.root, fake.programs, log, verb, limits, Date.now());
  return lines;
}

function underSystemd(jobs: string) {
  fake.write('/run/systemd/system/.keep', '');
  fake.write('/fake/list-jobs', jobs);
}

describe('runShutdownHook records the reboot for the next boot to complete', () => {
  it('a kexec: the kernel, initrd, command line, and when systemd began the shutdown', async () => {
    fake = makeFakeRoot();
    underSystemd('1021 reboot.target start waiting\n');
    fake.write('/proc/sys/kernel/random/boot_id', 'b0a1\n');
    fake.write('/proc/uptime', '100.00 150.00\n');
    fake.write('/fake/systemctl-show', 'ActiveState=inactive\nActiveExitTimestampMonotonic=99000000\n');
    const before = Date.now();
    await hook();
    // This boot first (no record led to it), then the reboot it asks for.
    const [thisBoot, entry, ...more] = readHistory(fake.root).history.reboots;
    expect(thisBoot).toMatchObject({ arrival: { bootId: 'b0a1' }, ended: 'unrecorded' });
    expect(more).toEqual([]);
    // The kernel loaded carries this boot's marker (kexec_reboot.from=b0a1), which the next boot looks for.
    expect(entry).toEqual({
      request: request({
        bootId: 'b0a1',
        requestedAt: expect.any(String),
        cmdline: 'root=UUID=0b1c ro quiet',
        kernelIdentity: expect.objectContaining({ path: '/boot/vmlinuz-6.1.0-9-amd64' }),
        arrivalMarker: 'b0a1',
      }),
    });
    expect(fake.invocations('kexec').at(-1)?.argv).toContain('--append=root=UUID=0b1c ro quiet kexec_reboot.from=b0a1');
    // One second before "now", as systemd said.
    const requestedAt = Date.parse(entry!.request!.requestedAt);
    expect(requestedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(requestedAt).toBeLessThan(Date.now() - 1000 + 50);
  });

  it('a firmware reboot, with the reason', async () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=false\n');
    await hook('reboot');
    expect(readHistory(fake.root).history.reboots.map((entry) => entry.request)).toEqual([
      expect.objectContaining({ path: 'firmware', requestedFrom: 'hook', why: 'LOAD_KEXEC is false (/etc/default/kexec:1)' }),
    ]);
    expect(readHistory(fake.root).history.reboots[0]!.request!.kernel).toBeUndefined();
  });

  it('not a poweroff', async () => {
    fake = makeFakeRoot();
    await hook('poweroff');
    expect(fake.exists('/var/lib/kexec-reboot/history.json')).toBe(false);
  });

  it('and reboots by kexec all the same when the history cannot be written', async () => {
    fake = makeFakeRoot();
    fake.write('/var/lib/kexec-reboot', 'a file where the directory should be');
    const lines = await hook('reboot');
    expect(lines[0]).toMatch(/^notice: reboot by kexec: loaded /);
    expect(lines[1]).toMatch(/^warning: cannot record this reboot in the history: /);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('1');
  });
});

describe('runShutdownHook', () => {
  it('loads the kernel on a reboot that systemd has queued', async () => {
    fake = makeFakeRoot();
    underSystemd('1021 reboot.target start waiting\n1077 ssh.service stop running\n');
    const lines = await hook();
    expect(lines).toEqual([
      'notice: reboot by kexec: loaded /boot/vmlinuz-6.1.0-9-amd64 with kexec_file_load (LOAD_KEXEC is true (default))',
      "debug: reboot history: counting from the hook's start, not systemd's (multi-user.target is not stopped (systemctl showed nothing))",
    ]);
    expect(fake.invocations('kexec').map((i) => i.argv[0])).toEqual(['-s']);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('1');
  });

  it('does nothing on a poweroff, whether systemd says so or the init script does', async () => {
    fake = makeFakeRoot();
    underSystemd('900 poweroff.target start waiting\n');
    expect(await hook()).toEqual(['info: poweroff: no kexec']);
    expect(await hook('poweroff')).toEqual(['info: poweroff: no kexec']);
    expect(fake.invocations('kexec')).toEqual([]);
  });

  it('loads nothing when systemd has no reboot queued, and says why when there is no systemd to ask', async () => {
    fake = makeFakeRoot();
    expect(await hook()).toEqual(['warning: reboot through firmware: cannot tell whether this is a reboot (systemd is not running, and no --verb was given); no kernel is loaded']);
    underSystemd('1077 ssh.service stop running\n');
    expect(await hook()).toEqual(['info: not a reboot (no reboot job queued): no kexec']);
    expect(fake.invocations('kexec')).toEqual([]);
  });

  it('says that systemctl failed, not that no reboot is queued, and unloads its own kernel when it cannot tell the verb', async () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'PRELOAD=true\n');
    await hook('reboot');
    underSystemd('');
    fs.writeFileSync(fake.programs.systemctl, '#!/bin/sh\necho "Failed to connect to bus: Connection refused" >&2\nexit 1\n');
    const lines = await hook();
    expect(lines).toEqual([
      expect.stringMatching(
        /^warning: reboot through firmware: cannot tell whether this is a reboot \(systemctl list-jobs failed \(exit code 1\): Failed to connect to bus: Connection refused\); unloaded \/boot\/vmlinuz-6\.1\.0-9-amd64 \(loaded at .*\): it was not verified against the plan$/,
      ),
    ]);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('0');
  });

  it('leaves the final kexec -e a kernel it must not start, when a failed load could not be unloaded: firmware, and the history names no kernel', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    fake.write('/run/kexec-reboot/loaded.json', '{"loadedAt":"2026-12-01T10:00:00.000Z"}\n');
    fake.setKexecMode('fail');
    const script = fs.readFileSync(fake.programs.kexec, 'utf8');
    fs.writeFileSync(fake.programs.kexec, script.replace('\ncase "$*" in\n', `\ncase "$*" in\n  -u|'-s -u') echo 'kexec_unload failed: Device or resource busy' >&2; exit 1 ;;\n`));
    const lines = await hook('reboot');
    expect(lines[0]).toMatch(/^warning: reboot through firmware: cannot replace the loaded kernel: .*; the final kexec -e will not start it$/);
    expect(fake.read('/run/kexec-reboot/no-kexec')).toMatch(/^cannot replace the loaded kernel: /);
    const [entry] = readHistory(fake.root).history.reboots;
    expect(entry?.request).toMatchObject({ path: 'firmware' });
    expect(entry?.request?.kernel).toBeUndefined();
  });

  it('ignores and removes a /no-kexec-reboot left from before this boot: the firmware reboot it asked for has happened', async () => {
    fake = makeFakeRoot();
    fake.write('/proc/uptime', '3600.00 7000.00\n');
    fake.write('/no-kexec-reboot', '');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(`${fake.dir}/no-kexec-reboot`, twoHoursAgo, twoHoursAgo);
    const lines = await hook('reboot');
    expect(lines).toEqual([
      expect.stringMatching(/^warning: \/no-kexec-reboot is older than this boot \(made at .*, the boot started at .*\): the firmware reboot it asked for has happened/),
      'notice: reboot by kexec: loaded /boot/vmlinuz-6.1.0-9-amd64 with kexec_file_load (LOAD_KEXEC is true (default))',
      expect.stringMatching(/^info: removed stale \/no-kexec-reboot: \/no-kexec-reboot is older than this boot/),
    ]);
    expect(fake.exists('/no-kexec-reboot')).toBe(false);
  });

  it('honours a /no-kexec-reboot made during this boot, or when the boot\'s start cannot be told', async () => {
    fake = makeFakeRoot();
    fake.write('/proc/uptime', '3600.00 7000.00\n');
    fake.write('/no-kexec-reboot', '');
    expect((await hook('reboot'))[0]).toMatch(/^warning: reboot through firmware: \/no-kexec-reboot exists/);
    fake.remove('/proc/uptime');
    fake.write('/no-kexec-reboot', '');
    fs.utimesSync(`${fake.dir}/no-kexec-reboot`, new Date(0), new Date(0));
    expect((await hook('reboot'))[0]).toMatch(/^warning: reboot through firmware: \/no-kexec-reboot exists/);
  });

  it('logs why the reboot goes through firmware when the kernel is missing', async () => {
    fake = makeFakeRoot();
    fake.remove('/boot/vmlinuz-6.1.0-9-amd64');
    expect(await hook('reboot')).toEqual(['warning: reboot through firmware: /boot/vmlinuz-6.1.0-9-amd64 does not exist']);
    expect(fake.invocations('kexec')).toEqual([]);
  });

  it("honours kexec-tools' /no-kexec-reboot once: firmware this time, removed for the next", async () => {
    fake = makeFakeRoot();
    fake.write('/no-kexec-reboot', '');
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(await hook('reboot')).toEqual([
      'warning: reboot through firmware: /no-kexec-reboot exists: a firmware restart was asked for (by coldreboot, or by hand)',
      'info: removed /no-kexec-reboot: it asked for this reboot only',
    ]);
    expect(fake.invocations('kexec').map((i) => i.argv)).toEqual([['-u']]);
    expect(fake.exists('/no-kexec-reboot')).toBe(false);
    expect(await hook('reboot')).toEqual(['notice: reboot by kexec: loaded /boot/vmlinuz-6.1.0-9-amd64 with kexec_file_load (LOAD_KEXEC is true (default))']);
  });

  it('leaves /no-kexec-reboot for the next reboot on a poweroff, as kexec-tools did', async () => {
    fake = makeFakeRoot();
    fake.write('/no-kexec-reboot', '');
    expect(await hook('poweroff')).toEqual(['info: poweroff: no kexec']);
    expect(fake.exists('/no-kexec-reboot')).toBe(true);
  });

  it('ends within its budget when kexec hangs, leaving nothing loaded', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('hang');
    const lines = await hook('reboot', { totalMs: 600, callMs: 20_000 });
    expect(lines).toEqual(['warning: reboot through firmware: kexec -l did not finish in time']);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('0');
  }, 5_000);

  it('reports a broken configuration line and reboots through firmware', async () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=true\nAPPEND="unterminated\n');
    const [line] = await hook('reboot');
    expect(line).toMatch(/^warning: reboot through firmware: the configuration cannot be used: \/etc\/default\/kexec:2: /);
  });
});
