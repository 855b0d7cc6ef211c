import type { Arrival, RebootRequest } from '../../src/host/reboot-history.js';
import { KERNEL_VERSION, type FakeRoot } from './fake-root.js';
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

/** The command line of the fake root's firmware boots (GRUB's, as makeFakeRoot writes it). */
const FIRMWARE_CMDLINE = `BOOT_IMAGE=/boot/vmlinuz-${KERNEL_VERSION} root=UUID=0b1c ro quiet\n`;

/**
 * A boot of the fake machine: its id, how long it has been up, and who
 * started its kernel. A kexec boot's /proc/cmdline is the --append= of the
 * last kernel loaded (our marker with it), a firmware boot's GRUB's. On x86
 * boot_params' type_of_loader says who started it; `arm64` has no boot_params.
 */
export function bootMachine(fake: FakeRoot, id: string, by: 'kexec' | 'firmware', uptime = 30, { arm64 = false } = {}): void {
  fake.write('/proc/sys/kernel/random/boot_id', `${id}\n`);
  fake.write('/proc/sys/kernel/osrelease', `${KERNEL_VERSION}\n`);
  fake.write('/proc/uptime', `${uptime}.00 10.00\n`);
  fake.write('/dev/kmsg', '6,1,0,-;Linux version 6.1.0-9-amd64\n6,340,5000000,-;Run /init as init process\n');
  const loaded = fake.invocations('kexec').filter(({ argv }) => argv.includes('-l')).at(-1);
  const append = loaded?.argv.find((arg) => arg.startsWith('--append='))?.slice('--append='.length);
  fake.write('/proc/cmdline', by === 'kexec' && append !== undefined ? `${append}\n` : FIRMWARE_CMDLINE);
  if (arm64) {
    fake.remove('/sys/kernel/boot_params');
  } else {
    const params = Buffer.alloc(4096);
    params[0x210] = by === 'kexec' ? 0xd0 : 0x72;
    fake.write('/sys/kernel/boot_params/data', params);
  }
  fake.write('/sys/kernel/kexec_loaded', '0\n');
}
