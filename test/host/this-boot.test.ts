import { describe, expect, it, onTestFinished } from 'vitest';
import { loaderOf, readArrival, shutdownStartedAt } from '../../src/host/this-boot.js';
import { fakeTreeWith, makeFakeRoot } from '../support/fake-root.js';
import fs from 'node:fs';

/** A boot_params page whose hdr.type_of_loader (offset 0x210) is `loader`. */
function bootParams(loader: number): Buffer {
  const page = Buffer.alloc(4096);
  page[0x210] = loader;
  return page;
}

const NOW = Date.parse('2026-12-03T10:01:00.000Z');

describe('loaderOf', () => {
  it.each([
    [0xd0, 'kexec'],
    [0xd1, 'kexec'],
    [0x72, 'firmware'], // GRUB 2
    [0xb0, 'firmware'], // QEMU's -kernel
    [0x21, 'firmware'], // the EFI stub's ID in the extended field
    [0x00, 'firmware'],
  ] as const)('reads type_of_loader 0x%s as %s', (loader, by) => {
    expect(loaderOf(bootParams(loader))).toBe(by);
  });

  it('cannot tell without boot_params (not x86)', () => {
    expect(loaderOf(undefined)).toBe('unknown');
    expect(loaderOf(Buffer.alloc(16))).toBe('unknown');
  });
});

function bootTree(files: Record<string, string | Uint8Array> = {}) {
  return fakeTreeWith({
    '/proc/uptime': '60.00 100.00\n',
    // PID 1 was created at 0.57 s; it ran /init at 8.5 s, after the drivers' set-up (a Debian 13 boot's figures, scaled).
    '/proc/1/stat': `1 (init) S 0 1 1 0 -1 4194560 ${Array(12).fill(0).join(' ')} 57 ${Array(30).fill(0).join(' ')}\n`,
    '/dev/kmsg': '6,0,0,-;Linux version 6.12.117+deb13-amd64\n SUBSYSTEM=cpu\n6,339,8500000,-;Run /init as init process\n6,340,8500100,-;  with arguments:\n',
    '/proc/sys/kernel/random/boot_id': 'b0a1\n',
    '/proc/sys/kernel/osrelease': '6.12.117+deb13-amd64\n',
    '/sys/kernel/boot_params/data': bootParams(0xd0),
    ...files,
  });
}

const noPrograms = { kexec: '/nonexistent', systemctl: '/nonexistent', grubEditenv: '/nonexistent', bootctl: '/nonexistent' };

describe('readArrival', () => {
  it('measures this boot on the machine: kernel start (now minus uptime), its run of init by its log (not PID 1\'s creation), up now without systemd', async () => {
    const tree = bootTree();
    expect(await readArrival(tree.root, noPrograms, NOW)).toEqual({
      bootId: 'b0a1',
      by: 'kexec',
      kernelRelease: '6.12.117+deb13-amd64',
      kernelStartedAt: '2026-12-03T10:00:00.000Z',
      initStartedAt: '2026-12-03T10:00:08.500Z',
      upAt: '2026-12-03T10:01:00.000Z',
    });
  });

  it("under systemd takes userspace up from multi-user.target's own timestamp", async () => {
    const fake = makeFakeRoot();
    fake.write('/proc/uptime', '60.00 100.00\n');
    fake.write('/proc/sys/kernel/random/boot_id', 'b0a1\n');
    fake.write('/proc/1/stat', `1 (systemd) S 0 1 1 0 -1 4194560 ${Array(12).fill(0).join(' ')} 850 ${Array(30).fill(0).join(' ')}\n`);
    fake.write('/run/systemd/system/.keep', '');
    fake.write('/fake/systemctl-show', 'ActiveEnterTimestampMonotonic=41500000\n');
    const arrived = await readArrival(fake.root, fake.programs, NOW);
    expect(arrived.upAt).toBe('2026-12-03T10:00:41.500Z');
    expect(arrived.by).toBe('unknown');
    fs.rmSync(fake.dir, { recursive: true, force: true });
  });
});

describe('shutdownStartedAt', () => {
  const stoppedAt = (properties: string, uptime = '60.00') => {
    const fake = makeFakeRoot();
    onTestFinished(() => fs.rmSync(fake.dir, { recursive: true, force: true }));
    fake.write('/proc/uptime', `${uptime} 100.00\n`);
    fake.write('/run/systemd/system/.keep', '');
    fake.write('/fake/systemctl-show', properties);
    return shutdownStartedAt(fake.root, fake.programs, NOW - 1000, NOW);
  };

  it('under systemd, when multi-user.target stopped (systemd 252)', async () => {
    expect(await stoppedAt('ActiveState=inactive\nActiveExitTimestampMonotonic=57250000\n')).toEqual({
      at: '2026-12-03T10:00:57.250Z',
      from: 'systemd',
    });
  });

  it("the hook's start, and why, when multi-user.target is not stopped, stopped long ago, or systemd gives no time", async () => {
    expect(await stoppedAt('ActiveState=active\nActiveExitTimestampMonotonic=0\n')).toEqual({
      at: '2026-12-03T10:00:59.000Z',
      from: 'hook',
      whyNotSystemd: 'multi-user.target is not stopped (ActiveState=active ActiveExitTimestampMonotonic=0)',
    });
    // An earlier isolate, not this shutdown.
    expect(await stoppedAt('ActiveState=inactive\nActiveExitTimestampMonotonic=1000000\n', '6000.00')).toMatchObject({ from: 'hook', whyNotSystemd: 'multi-user.target stopped 5999.0 s ago, not in this shutdown' });
    // What Debian 13's systemd 257 shows of the stopped target in a shutdown (seen in the VM suite).
    expect(await stoppedAt('ActiveState=inactive\nActiveExitTimestampMonotonic=0\n')).toMatchObject({ from: 'hook', whyNotSystemd: 'systemd gives no time for it (ActiveState=inactive ActiveExitTimestampMonotonic=0)' });
  });

  it("otherwise the hook's own start", async () => {
    const tree = bootTree();
    expect(await shutdownStartedAt(tree.root, noPrograms, NOW - 2000, NOW)).toEqual({ at: '2026-12-03T10:00:58.000Z', from: 'hook' });
  });
});
