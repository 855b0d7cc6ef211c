import { join, resolve } from 'node:path';

/**
 * Where system paths are read. Tests and image builders pass `--root DIR`,
 * as with `systemctl --root` and `dpkg --root`; on a live system it is `/`.
 */
export interface SystemRoot {
  readonly dir: string;
  /** Maps an absolute system path (e.g. `/etc/default/kexec`) into the root. */
  path(systemPath: string): string;
}

export function systemRoot(dir = '/'): SystemRoot {
  const resolved = resolve(dir);
  return {
    dir: resolved,
    path: (systemPath) => (resolved === '/' ? systemPath : join(resolved, systemPath)),
  };
}

