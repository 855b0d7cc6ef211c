import type { Arrival, RebootRequest } from '../../src/host/reboot-history.js';
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
