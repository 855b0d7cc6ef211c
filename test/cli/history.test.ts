import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { makeFakeRoot, KERNEL_VERSION, type FakeRoot } from '../support/fake-root.js';
import { bootMachine } from '../support/history.js';

/** The CLI as shipped: the bundle `npm run build` makes. */
const CLI = new URL('../../dist/kexec-reboot.cjs', import.meta.url).pathname;

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

function kexecReboot(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, '--root', fake.dir, ...args], { env: { PATH: process.env.PATH, ...fake.env, TZ: 'UTC' }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const json = (...args: string[]) => JSON.parse(kexecReboot(...args, '--json').stdout);

const boot = (id: string, by: 'kexec' | 'firmware') => bootMachine(fake, id, by);

/**
 * The hook's record, made as if the reboot had been asked for `seconds` ago:
 * the fake next boot has been up for 30 s the moment it is made.
 */
function askedAgo(seconds: number) {
  const file = '/var/lib/kexec-reboot/history.json';
  const history = JSON.parse(fake.read(file));
  history.reboots.at(-1).request.requestedAt = new Date(Date.now() - seconds * 1000).toISOString();
  fake.write(file, JSON.stringify(history));
}

function rebootInto(id: string, by: 'kexec' | 'firmware') {
  expect(kexecReboot('hook', '--verb', 'reboot').code).toBe(0);
  askedAgo(40);
  boot(id, by);
  expect(kexecReboot('boot-complete').code).toBe(0);
}

describe('the reboot history', () => {
  it('records a kexec reboot, completes it in the next boot, with the downtime, and writes the metrics', () => {
    fake = makeFakeRoot();
    fake.write('/var/lib/prometheus/node-exporter/.keep', '');
    boot('boot-1', 'firmware');
    rebootInto('boot-2', 'kexec');
    const [last, ...older] = json('history');
    expect(last).toMatchObject({ ended: 'kexec', planned: 'kexec', kernel: KERNEL_VERSION, reason: null, arrival: { bootId: 'boot-2', by: 'kexec' } });
    // boot-1, which the hook found in no record before it.
    expect(older).toEqual([expect.objectContaining({ ended: 'unrecorded', arrival: expect.objectContaining({ bootId: 'boot-1' }) })]);
    const { requestToKernel, kernelToInit, initToUp, total } = last.downtime;
    // Asked for 40 s before boot-complete ran, the fake boot began 30 s before it, PID 1 5 s in.
    expect(requestToKernel).toBeCloseTo(10, 0);
    expect(kernelToInit).toBe(5);
    expect(initToUp).toBeCloseTo(25, 0);
    expect(total).toBeCloseTo(requestToKernel + kernelToInit + initToUp, 1);
    expect(fake.read('/var/lib/prometheus/node-exporter/kexec_reboot.prom')).toContain('kexec_reboot_reboots_total{ended="kexec"} 1\n');
    expect(kexecReboot('status').stdout).toMatch(/^  last +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d: kexec; down \d+\.\d s \(to the new kernel /m);
  });

  it('lists reboots newest first, one line each, with why a reboot was not a kexec', () => {
    fake = makeFakeRoot();
    boot('boot-1', 'firmware');
    rebootInto('boot-2', 'kexec');
    fake.write('/no-kexec-reboot', '');
    rebootInto('boot-3', 'firmware');
    const lines = kexecReboot('history').stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^WHEN +PATH +DOWN +KERNEL +WHY NOT KEXEC$/);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +firmware +\d+\.\d s +6\.1\.0-9-amd64 +\/no-kexec-reboot exists/);
    expect(lines[2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +kexec +\d+\.\d s +6\.1\.0-9-amd64$/);
    expect(lines[3]).toMatch(/ unrecorded +- +6\.1\.0-9-amd64 +no reboot record before this boot/);
    expect(lines).toHaveLength(4);
    expect(kexecReboot('history', '-n', '1').stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(kexecReboot('history', '-n', '0')).toMatchObject({ code: 2, stderr: expect.stringMatching(/expected a whole number of at least 1/) });
  });

  it('records a boot no reboot record led to as unrecorded', () => {
    fake = makeFakeRoot();
    boot('boot-1', 'firmware');
    expect(kexecReboot('boot-complete').code).toBe(0);
    expect(json('history')).toEqual([expect.objectContaining({ ended: 'unrecorded', request: null, downtime: null, reason: expect.stringMatching(/^no reboot record/) })]);
  });

  it('pauses kexec after a kexec boot that did not come up, until resumed', () => {
    fake = makeFakeRoot();
    boot('boot-1', 'firmware');
    rebootInto('boot-3', 'firmware'); // the kexec'd boot-2 never came up
    expect(json('history')[0]).toMatchObject({ ended: 'kexec-failed', planned: 'kexec', reason: `the kexec boot of /boot/vmlinuz-${KERNEL_VERSION} did not come up` });
    const status = json('status');
    expect(status).toMatchObject({ nextReboot: 'cold', reason: 'kexec-paused', paused: { kernel: { path: `/boot/vmlinuz-${KERNEL_VERSION}` } } });
    expect(status.why).toMatch(/^kexec is paused: the kexec boot of \/boot\/vmlinuz-6\.1\.0-9-amd64 asked for at .* did not come up .*until "kexec-reboot resume", or until a different kernel is configured$/);
    expect(kexecReboot('check')).toMatchObject({ code: 1, stderr: expect.stringMatching(/kexec is paused/) });
    // The pause holds across firmware boots that come up: the same kernel would fail again.
    rebootInto('boot-4', 'firmware');
    expect(json('history')[0]).toMatchObject({ ended: 'firmware', request: { why: expect.stringMatching(/^kexec is paused/) } });
    expect(fake.invocations('kexec')).toHaveLength(1);
    expect(kexecReboot('resume').stdout).toMatch(/^kexec resumed: it had been paused since .* because the kexec boot of /);
    expect(kexecReboot('resume').stdout).toBe('kexec is not paused\n');
    expect(json('status')).toMatchObject({ nextReboot: 'kexec', paused: null });
  });

  it('lifts the pause for another kernel: only the kernel file that failed is paused', () => {
    fake = makeFakeRoot();
    boot('boot-1', 'firmware');
    rebootInto('boot-3', 'firmware');
    fake.write('/boot/vmlinuz-6.1.0-10-amd64', fs.readFileSync(`${fake.dir}/boot/vmlinuz-${KERNEL_VERSION}`));
    fake.write('/etc/default/kexec', 'KERNEL_IMAGE=/boot/vmlinuz-6.1.0-10-amd64\n');
    expect(json('status')).toMatchObject({ nextReboot: 'kexec', reason: 'configured' });
  });

  it('reports kexec as paused (status --json, metrics) only while the pause holds for the kernel the next reboot would load', () => {
    fake = makeFakeRoot();
    fake.write('/var/lib/prometheus/node-exporter/.keep', '');
    boot('boot-1', 'firmware');
    rebootInto('boot-3', 'firmware');
    expect(fake.read('/var/lib/prometheus/node-exporter/kexec_reboot.prom')).toContain('kexec_reboot_paused 1\n');
    fake.write('/boot/vmlinuz-6.1.0-10-amd64', fs.readFileSync(`${fake.dir}/boot/vmlinuz-${KERNEL_VERSION}`));
    fake.write('/etc/default/kexec', 'KERNEL_IMAGE=/boot/vmlinuz-6.1.0-10-amd64\n');
    expect(json('status')).toMatchObject({ nextReboot: 'kexec', paused: null });
    rebootInto('boot-4', 'kexec');
    expect(fake.read('/var/lib/prometheus/node-exporter/kexec_reboot.prom')).toContain('kexec_reboot_paused 0\n');
  });

  it('resume lifts the pause and writes the metrics although a directory sits on the old temporary name', () => {
    fake = makeFakeRoot();
    fake.write('/var/lib/prometheus/node-exporter/kexec_reboot.prom.new/.keep', '');
    boot('boot-1', 'firmware');
    rebootInto('boot-3', 'firmware');
    const resumed = kexecReboot('resume');
    expect(resumed).toMatchObject({ code: 0, stderr: '', stdout: expect.stringMatching(/^kexec resumed/) });
    expect(fake.read('/var/lib/prometheus/node-exporter/kexec_reboot.prom')).toContain('kexec_reboot_paused 0\n');
  });

  it('says that the metrics, not the history, could not be written when only the metrics fail', () => {
    fake = makeFakeRoot();
    fake.write('/var/lib/prometheus/node-exporter/kexec_reboot.prom/.keep', '');
    boot('boot-1', 'firmware');
    const completed = kexecReboot('boot-complete');
    expect(completed.stderr).toMatch(/cannot write the metrics: /);
    expect(completed.stderr).not.toMatch(/cannot complete the reboot history/);
    expect(json('history')).toHaveLength(1);
    // resume: the pause is lifted, which is what was asked; the metrics are a warning.
    rebootInto('boot-3', 'firmware');
    expect(kexecReboot('resume')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^kexec resumed/), stderr: expect.stringMatching(/^warning: cannot write the metrics: /) });
    expect(json('status')).toMatchObject({ paused: null });
  });
});
