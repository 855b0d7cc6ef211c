// The history and the pause without kexec-reboot-boot: the next reboot, poweroff or power cut comes before it ran.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { makeFakeRoot, KERNEL_VERSION, type FakeRoot } from '../support/fake-root.js';
import { bootMachine } from '../support/history.js';

/** The CLI as shipped: the bundle `npm run build` makes. */
const CLI = new URL('../../dist/kexec-reboot.cjs', import.meta.url).pathname;
/** The early mark, as kexec-reboot-mark.service and the init script run it. */
const MARK_BOOT = new URL('../../init/lib/mark-boot', import.meta.url).pathname;

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

function kexecReboot(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, '--root', fake.dir, ...args], { env: { PATH: process.env.PATH, ...fake.env, TZ: 'UTC' }, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}
const json = (...args: string[]) => JSON.parse(kexecReboot(...args, '--json'));
/** How many kernels were loaded so far (`kexec -l`), and whether one is loaded now. */
function expectLoads(count: number, loadedNow: boolean) {
  expect(fake.invocations('kexec').filter(({ argv }) => argv.includes('-l'))).toHaveLength(count);
  expect(fake.read('/sys/kernel/kexec_loaded')).toBe(loadedNow ? '1\n' : '0\n');
}

const boot = (id: string, by: 'kexec' | 'firmware') => bootMachine(fake, id, by);

/** boot-1 came up through firmware and asks for a reboot, which the hook prepares as a kexec. */
function firstReboot(config?: string) {
  fake = makeFakeRoot();
  if (config) fake.write('/etc/default/kexec', config);
  boot('boot-1', 'firmware');
  kexecReboot('hook', '--verb', 'reboot');
  expectLoads(1, true);
}

const byBoot = (id: string) => json('history').find((entry: { arrival: { bootId: string } | null }) => entry.arrival?.bootId === id);

describe('the history and the pause, when the next boot goes down before kexec-reboot-boot ran', () => {
  it('shows a kexec that came up as a kexec at once, before anything completed it (history, status)', () => {
    firstReboot();
    boot('boot-2', 'kexec');
    expect(json('history', '-n', '1')[0]).toMatchObject({ ended: 'kexec', planned: 'kexec', arrival: { bootId: 'boot-2', by: 'kexec' } });
    expect(json('status')).toMatchObject({ lastReboot: { ended: 'kexec' }, paused: null });
  });

  it.each([
    ['reboots at once: its own hook completes the record, and the next boot', 'reboot', 'kexec', { ended: 'kexec', request: { bootId: 'boot-2' } }],
    ['is powered off before kexec-reboot-boot ran: its hook completes the record, and the next power-on', 'poweroff', 'firmware', { ended: 'unrecorded', request: null }],
  ] as const)('a kexec whose boot %s does not take it for a failed kexec', (_, verb, next, completed) => {
    firstReboot();
    boot('boot-2', 'kexec');
    kexecReboot('hook', '--verb', verb);
    boot('boot-3', next);
    kexecReboot('boot-complete');
    expect(byBoot('boot-2')).toMatchObject({ ended: 'kexec', request: { bootId: 'boot-1' } });
    expect(byBoot('boot-3')).toMatchObject(completed);
    expect(json('status')).toMatchObject({ nextReboot: 'kexec', paused: null });
  });

  it('a failed kexec whose firmware boot reboots at once: paused all the same, and that reboot goes through firmware', () => {
    firstReboot();
    boot('boot-3', 'firmware'); // the kexec'd boot-2 never came up
    expect(json('status')).toMatchObject({ nextReboot: 'cold', reason: 'kexec-paused' });
    kexecReboot('hook', '--verb', 'reboot');
    expectLoads(1, false);
    expect(byBoot('boot-3')).toMatchObject({ ended: 'kexec-failed', request: { bootId: 'boot-1' } });
    expect(json('history', '-n', '1')[0]).toMatchObject({ planned: 'firmware', request: { why: expect.stringMatching(/^kexec is paused/) } });
  });

  it('a kexec boot that only marked itself early (then a power cut, a full /var, or no multi-user.target) is not taken for a failed kexec', () => {
    firstReboot();
    boot('boot-2', 'kexec');
    expect(spawnSync('sh', [MARK_BOOT, fake.dir], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
    boot('boot-3', 'firmware');
    expect(json('status')).toMatchObject({ nextReboot: 'kexec', paused: null });
    kexecReboot('boot-complete');
    expect(byBoot('boot-2')).toMatchObject({ ended: 'kexec', arrival: { by: 'kexec', kernelRelease: KERNEL_VERSION } });
    expect(byBoot('boot-3')).toMatchObject({ ended: 'unrecorded' });
    // The mark is in the history now.
    expect(fs.readdirSync(`${fake.dir}/var/lib/kexec-reboot/boots`)).toEqual([]);
  });

  it('PRELOAD does not load, in the firmware boot after a failed kexec, the kernel about to be paused', () => {
    firstReboot('PRELOAD=true\n');
    boot('boot-3', 'firmware');
    kexecReboot('preload');
    expectLoads(1, false);
  });

  it('boot-complete loads with PRELOAD=true in the same process (no second Node start a boot), once the pause is known', () => {
    firstReboot('PRELOAD=true\n');
    boot('boot-2', 'kexec');
    kexecReboot('boot-complete');
    expectLoads(2, true);
    // The hook keeps what was preloaded; after that kexec failed, boot-complete does not load it again.
    kexecReboot('hook', '--verb', 'reboot');
    boot('boot-4', 'firmware');
    kexecReboot('boot-complete');
    expectLoads(2, false);
  });

  it('mark-boot: "unknown" where there is no boot_params, and never a failed boot when it cannot write', () => {
    fake = makeFakeRoot();
    boot('boot-1', 'firmware');
    fake.remove('/sys/kernel/boot_params');
    expect(spawnSync('sh', [MARK_BOOT, fake.dir], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
    expect(fake.read('/var/lib/kexec-reboot/boots/boot-1')).toMatch(/^unknown \d+ 6\.1\.0-9-amd64\n$/);
    fake.remove('/var/lib/kexec-reboot/boots');
    fake.write('/var/lib/kexec-reboot/boots', 'not a directory');
    expect(spawnSync('sh', [MARK_BOOT, fake.dir], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: expect.stringMatching(/cannot mark this boot/) });
  });
});

describe('arm64: no boot_params, the marker on the loaded command line tells the arrival', () => {
  const arm64Boot = (id: string, by: 'kexec' | 'firmware') => bootMachine(fake, id, by, 30, { arm64: true });
  const loadedCmdline = () => fake.invocations('kexec').filter(({ argv }) => argv.includes('-l')).at(-1)?.argv.find((arg) => arg.startsWith('--append='));

  function firstArm64Reboot() {
    fake = makeFakeRoot();
    arm64Boot('boot-1', 'firmware');
    kexecReboot('hook', '--verb', 'reboot');
    expectLoads(1, true);
    expect(loadedCmdline()).toBe('--append=root=UUID=0b1c ro quiet kexec_reboot.from=boot-1');
  }

  it('a kexec that came up is a kexec, in the history and in the early mark', () => {
    firstArm64Reboot();
    arm64Boot('boot-2', 'kexec');
    expect(spawnSync('sh', [MARK_BOOT, fake.dir], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
    expect(fake.read('/var/lib/kexec-reboot/boots/boot-2')).toMatch(/^unknown \d+ \S+ boot-1\n$/);
    expect(json('history', '-n', '1')[0]).toMatchObject({ ended: 'kexec', arrival: { bootId: 'boot-2', by: 'unknown', kexecFrom: 'boot-1' } });
    // Its next load carries its own marker only.
    kexecReboot('hook', '--verb', 'reboot');
    expect(loadedCmdline()).toBe('--append=root=UUID=0b1c ro quiet kexec_reboot.from=boot-2');
  });

  it('the same from the early mark alone, when that boot went down before anything else ran', () => {
    firstArm64Reboot();
    arm64Boot('boot-2', 'kexec');
    spawnSync('sh', [MARK_BOOT, fake.dir]);
    arm64Boot('boot-3', 'firmware');
    expect(byBoot('boot-2')).toMatchObject({ ended: 'kexec' });
    expect(json('status')).toMatchObject({ nextReboot: 'kexec', paused: null });
  });

  it('a kexec that never came up: the firmware boot after it carries no marker, so kexec is paused', () => {
    firstArm64Reboot();
    arm64Boot('boot-3', 'firmware');
    expect(json('status')).toMatchObject({ nextReboot: 'cold', reason: 'kexec-paused' });
    expect(byBoot('boot-3')).toMatchObject({ ended: 'kexec-failed', request: { bootId: 'boot-1', arrivalMarker: 'boot-1' } });
  });
});

