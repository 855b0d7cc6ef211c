import type { Arrival, RebootRequest } from '../../src/host/reboot-history.js';
import { KERNEL_VERSION, type FakeTree } from './fake-root.js';
import { identity } from './load-spec.js';

/** A reboot the hook recorded as a kexec of the fake root's kernel; override what a test is about. */
export function request(overrides: Partial<RebootRequest> = {}): RebootRequest {
  return {
    bootId: 'boot-1',
    requestedAt: '2026-12-03T10:00:00.000Z',
    requestedFrom: 'systemd',
    verb: 'reboot',
    path: 'kexec',
    why: 'loaded /boot/vmlinuz-6.1.0-9-amd64 with kexec_file_load (LOAD_KEXEC is true (default))',
    kernel: '/boot/vmlinuz-6.1.0-9-amd64',
    initrds: ['/boot/initrd.img-6.1.0-9-amd64'],
    cmdline: 'root=/dev/vda ro',
    kernelIdentity: identity('/boot/vmlinuz-6.1.0-9-amd64'),
    ...overrides,
  };
}

/** The boot after it, come up by kexec 4 + 2 + 9 seconds after the request. */
export function arrival(overrides: Partial<Arrival> = {}): Arrival {
  return {
    bootId: 'boot-2',
    by: 'kexec',
    kernelRelease: '6.1.0-9-amd64',
    kernelStartedAt: '2026-12-03T10:00:04.000Z',
    initStartedAt: '2026-12-03T10:00:06.000Z',
    upAt: '2026-12-03T10:00:15.000Z',
    ...overrides,
  };
}

/** A boot of the fake machine: its id, how long it has been up, and who started its kernel (boot_params' type_of_loader). */
export function bootMachine(fake: FakeTree, id: string, by: 'kexec' | 'firmware', uptime = 30): void {
  fake.write('/proc/sys/kernel/random/boot_id', `${id}\n`);
  fake.write('/proc/sys/kernel/osrelease', `${KERNEL_VERSION}\n`);
  fake.write('/proc/uptime', `${uptime}.00 10.00\n`);
  fake.write('/proc/1/stat', `1 (init) S 0 1 1 0 -1 4194560 ${Array(12).fill(0).join(' ')} 500 0\n`);
  const params = Buffer.alloc(4096);
  params[0x210] = by === 'kexec' ? 0xd0 : 0x72;
  fake.write('/sys/kernel/boot_params/data', params);
  fake.write('/sys/kernel/kexec_loaded', '0\n');
}
