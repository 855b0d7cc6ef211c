import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ConfigReading, type KexecConfig } from '../../src/config/config.js';
import { planReboot, versionInFileName, type PlanInput } from '../../src/plan/plan.js';
import type { SystemFacts } from '../../src/host/facts.js';
import { identity, loadSpec } from '../support/load-spec.js';

const config: KexecConfig = DEFAULT_CONFIG;
const reading: ConfigReading = { config, files: ['/etc/default/kexec'], errors: [], warnings: [] };
const system: SystemFacts = { kexecSupported: true, kernelLoaded: false, coldRequestedBy: undefined, kexecProgram: '/usr/sbin/kexec', lockdown: 'none', kernelTarget: { machine: 'x86_64' } };

function input(overrides: { reading?: Partial<ConfigReading>; system?: Partial<SystemFacts>; rest?: Partial<PlanInput> } = {}): PlanInput {
  return {
    reading: { ...reading, ...overrides.reading },
    target: {
      kernel: { value: '/boot/vmlinuz-6.1.0-9-amd64', origin: 'KERNEL_IMAGE=/vmlinuz (default)' },
      initrds: { value: ['/boot/initrd.img-6.1.0-9-amd64'], origin: 'INITRD=/initrd.img (default)' },
      cmdline: { value: 'root=/dev/vda ro', origin: 'running' },
      problems: [],
    },
    kernelFile: identity('/boot/vmlinuz-6.1.0-9-amd64'),
    initrdFiles: [identity('/boot/initrd.img-6.1.0-9-amd64', 2)],
    system: { ...system, ...overrides.system },
    ...overrides.rest,
  };
}

describe('planReboot', () => {
  const pause = { kernel: identity('/boot/vmlinuz-6.1.0-9-amd64'), since: '2026-12-03T10:00:15.000Z', why: 'the kexec boot of /boot/vmlinuz-6.1.0-9-amd64 did not come up' };
  it('plans a firmware reboot while kexec is paused for the kernel file it would load', () => {
    expect(planReboot(input({ rest: { pause } }))).toMatchObject({ action: 'cold', reason: 'kexec-paused', why: expect.stringMatching(/^kexec is paused: the kexec boot of .* did not come up; until "kexec-reboot resume"/) });
  });

  it('holds the pause when the same file comes back under another device number (btrfs subvolumes, md0/md127, dm-N renumbered at boot)', () => {
    const renumbered = { ...identity('/boot/vmlinuz-6.1.0-9-amd64'), device: 41 };
    expect(planReboot(input({ rest: { pause: { ...pause, kernel: renumbered } } }))).toMatchObject({ action: 'cold', reason: 'kexec-paused' });
  });

  it('kexecs another kernel, or a kernel loaded by hand, while one is paused', () => {
    expect(planReboot(input({ rest: { pause: { ...pause, kernel: identity('/boot/vmlinuz-6.1.0-9-amd64', 99) } } }))).toMatchObject({ action: 'kexec', reason: 'configured' });
    expect(planReboot(input({ system: { kernelLoaded: true }, rest: { pause } }))).toMatchObject({ action: 'kexec', reason: 'already-loaded' });
  });

  it('loads the configured kernel when everything is in order', () => {
    const plan = planReboot(input());
    expect(plan).toMatchObject({
      action: 'kexec',
      reason: 'configured',
      load: loadSpec(),
    });
    expect(plan.warnings).toEqual([]);
  });

  it('uses the file-based syscall under lockdown', () => {
    for (const lockdown of ['integrity', 'confidentiality'] as const) {
      expect(planReboot(input({ system: { lockdown } }))).toMatchObject({ action: 'kexec', load: { lockedDown: true } });
    }
  });

  const coldCases: [string, Parameters<typeof input>[0], string, RegExp][] = [
    ["kexec-tools' /no-kexec-reboot exists", { system: { coldRequestedBy: '/no-kexec-reboot', kernelLoaded: true } }, 'cold-requested', /\/no-kexec-reboot exists/],
    ['the configuration has an error', { reading: { errors: [{ file: '/etc/default/kexec', line: 3, message: 'unterminated quote' }] } }, 'config-invalid', /\/etc\/default\/kexec:3: unterminated quote/],
    ['LOAD_KEXEC is false', { reading: { config: { ...config, loadKexec: { value: false, origin: '/etc/default/kexec:1' } } } }, 'disabled', /LOAD_KEXEC is false \(\/etc\/default\/kexec:1\)/],
    ['the kernel lacks kexec', { system: { kexecSupported: false } }, 'kexec-unsupported', /does not support kexec/],
    ['locked down, the kernel has no kexec_file_load (arm64)', { system: { lockdown: 'integrity', kexecFileLoad: false } }, 'kexec-unsupported', /locked down \(integrity, as under Secure Boot\), where it refuses kexec_load, and was built without kexec_file_load/],
    ['kexec is not installed', { system: { kexecProgram: undefined } }, 'kexec-missing', /kexec-tools/],
    ['the kernel link is dangling', { rest: { target: { ...input().target, problems: [{ subject: 'kernel', unusable: '/boot/vmlinuz-6.1.0-9-amd64 does not exist' }] } } }, 'kernel-unusable', /does not exist/],
    ['the initrd link is dangling', { rest: { target: { ...input().target, problems: [{ subject: 'initrd', unusable: '/initrd.img does not exist' }] } } }, 'initrd-unusable', /initrd.img does not exist/],
    ['/proc/cmdline is unreadable', { rest: { target: { ...input().target, problems: [{ subject: 'cmdline', unusable: 'cannot read /proc/cmdline' }] } } }, 'cmdline-unavailable', /proc\/cmdline/],
    ['the kernel is not a bzImage', { rest: { kernelFile: { unusable: '/boot/vmlinuz is not a Linux kernel image (no bzImage header)' } } }, 'kernel-unusable', /bzImage/],
    ['the initrd is unreadable', { rest: { initrdFiles: [{ unusable: '/boot/initrd.img is not readable' }] } }, 'initrd-unusable', /not readable/],
  ];
  it.each(coldCases)('reboots through firmware when %s', (_, overrides, reason, why) => {
    const plan = planReboot(input(overrides));
    expect(plan.action).toBe('cold');
    expect(plan.reason).toBe(reason);
    expect(plan.why).toMatch(why);
  });

  it('ignores a /no-kexec-reboot made before this boot started, with a margin for a clock set after it, and says so', () => {
    const bootStartedMs = Date.parse('2026-12-05T10:00:00.000Z');
    const flag = (madeMs: number) => input({ system: { coldRequestedBy: '/no-kexec-reboot', coldRequestMadeMs: madeMs, bootStartedMs } });
    const stale = planReboot(flag(bootStartedMs - 3600_000));
    expect(stale).toMatchObject({ action: 'kexec', reason: 'configured' });
    expect(stale.warnings).toEqual([
      '/no-kexec-reboot is older than this boot (made at 2026-12-05T09:00:00.000Z, the boot started at 2026-12-05T10:00:00.000Z): the firmware reboot it asked for has happened (a reboot -f, a crash or a power cut kept it from being removed); ignored, and removed at the next reboot',
    ]);
    expect(planReboot(flag(bootStartedMs - 60_000))).toMatchObject({ action: 'cold', reason: 'cold-requested' });
    expect(planReboot(input({ system: { coldRequestedBy: '/no-kexec-reboot', coldRequestMadeMs: bootStartedMs - 3600_000 } }))).toMatchObject({ action: 'cold' });
  });

  it('keeps a kernel loaded by hand, whatever the configuration says, and says how to undo it', () => {
    const plan = planReboot(input({ system: { kernelLoaded: true }, reading: { config: { ...config, loadKexec: { value: false, origin: 'x:1' } } } }));
    expect(plan).toMatchObject({ action: 'kexec', reason: 'already-loaded' });
    expect(plan.why).toMatch(/coldreboot/);
  });

  describe('with a kernel kexec-reboot loaded ahead of time', () => {
    const loadedAt = '2026-11-21T10:00:00.000Z';
    const preloaded = (overrides: Parameters<typeof input>[0] = {}, fingerprint = loadSpec().fingerprint) =>
      planReboot(input({ ...overrides, system: { kernelLoaded: true, ...overrides.system }, rest: { loadRecord: { fingerprint, loadedAt }, ...overrides.rest } }));

    it('keeps it while it is exactly what the plan would load', () => {
      expect(preloaded()).toMatchObject({ action: 'kexec', reason: 'preloaded', why: expect.stringContaining(loadedAt) });
    });

    it.each([
      ['the kernel file was replaced', { ...loadSpec().fingerprint, kernel: identity('/boot/vmlinuz-6.1.0-9-amd64', 99) }, '/boot/vmlinuz-6.1.0-9-amd64 changed'],
      ['the link now names another kernel', { ...loadSpec().fingerprint, kernel: identity('/boot/vmlinuz-6.1.0-8-amd64') }, 'the kernel is now /boot/vmlinuz-6.1.0-9-amd64, not /boot/vmlinuz-6.1.0-8-amd64'],
      ['the initrd was regenerated', { ...loadSpec().fingerprint, initrds: [identity('/boot/initrd.img-6.1.0-9-amd64', 77)] }, 'the initrd changed'],
      ['the command line changed', { ...loadSpec().fingerprint, cmdline: 'root=/dev/vdb' }, 'the command line changed'],
    ])('loads again when %s', (_, fingerprint, difference) => {
      const plan = preloaded({}, fingerprint);
      expect(plan).toMatchObject({ action: 'kexec', reason: 'configured', load: loadSpec() });
      expect(plan.why).toBe(`${difference} since the kernel was loaded at ${loadedAt}: loading it again`);
    });

    it('loads again after a load of ours that did not finish', () => {
      const plan = planReboot(input({ system: { kernelLoaded: true }, rest: { loadRecord: { loadedAt } } }));
      expect(plan).toMatchObject({ action: 'kexec', reason: 'configured', why: `a load started at ${loadedAt} did not finish: loading again` });
    });

    it('goes cold (and so unloads it) once the configuration says no', () => {
      const plan = preloaded({ reading: { config: { ...config, loadKexec: { value: false, origin: 'x:1' } } } });
      expect(plan).toMatchObject({ action: 'cold', reason: 'disabled' });
    });

    it('goes cold when its kernel file is gone', () => {
      expect(preloaded({ rest: { kernelFile: { unusable: '/boot/vmlinuz does not exist' } } })).toMatchObject({ action: 'cold', reason: 'kernel-unusable' });
    });
  });

  it('passes configuration warnings on', () => {
    const plan = planReboot(input({ reading: { warnings: [{ file: '/etc/default/kexec', line: 7, message: 'unknown key FOO' }] } }));
    expect(plan.warnings).toEqual(['/etc/default/kexec:7: unknown key FOO']);
  });

  it('warns when the initrd was made for another kernel version', () => {
    const mismatched = input();
    const plan = planReboot({
      ...mismatched,
      target: { ...mismatched.target, initrds: { value: ['/boot/initrd.img-6.1.0-10-amd64'], origin: 'INITRD' } },
    });
    expect(plan.action).toBe('kexec');
    expect(plan.warnings).toEqual(['/boot/initrd.img-6.1.0-10-amd64 does not match kernel version 6.1.0-9-amd64']);
  });
});

describe('versionInFileName', () => {
  it.each([
    ['/boot/vmlinuz-6.12.38+deb13-amd64', '6.12.38+deb13-amd64'],
    ['/boot/initrd.img-6.1.0-9-amd64', '6.1.0-9-amd64'],
    ['/boot/initramfs-6.1.0-9-amd64.img', '6.1.0-9-amd64'],
    ['/boot/amd-ucode.img', undefined],
    ['/vmlinuz', undefined],
  ])('%s -> %s', (file, version) => expect(versionInFileName(file)).toBe(version));
});
