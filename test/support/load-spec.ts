import type { FileIdentity } from '../../src/host/inspect.js';
import type { LoadSpec } from '../../src/plan/plan.js';

export function identity(path: string, inode = 1): FileIdentity {
  return { path, device: 2049, inode, size: 1024, modifiedMs: 1_700_000_000_000 };
}

/** A load of the fake root's kernel; override what a test is about. */
export function loadSpec(overrides: Partial<Omit<LoadSpec, 'fingerprint'>> = {}): LoadSpec {
  const spec = {
    kernel: '/boot/vmlinuz-6.1.0-9-amd64',
    initrds: ['/boot/initrd.img-6.1.0-9-amd64'],
    cmdline: 'root=/dev/vda ro',
    lockedDown: false,
    ...overrides,
  };
  return {
    ...spec,
    fingerprint: {
      kernel: identity(spec.kernel),
      initrds: spec.initrds.map((initrd, i) => identity(initrd, 2 + i)),
      cmdline: spec.cmdline,
      lockedDown: spec.lockedDown,
    },
  };
}
