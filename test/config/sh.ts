/** Test helpers: real /bin/sh as the reference, and throw-away system roots. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemRoot, type SystemRoot } from '../../src/host/system-root.js';

/**
 * Sources `files` in order into one clean `/bin/sh` and returns each of `names`
 * (undefined when unset). `${N+s}${N-u}` prints "s<value>" when set and "u" when not.
 */
export function sourceWithSh(files: readonly string[], names: readonly string[]): Map<string, string | undefined> {
  const printed = names.map((n) => `"\${${n}+s}\${${n}-u}"`).join(' ');
  const script = `set -a; for f; do . "$f"; done; printf '%s\\0' ${printed}`;
  const output = execFileSync('/bin/sh', ['-c', script, 'sh', ...files], {
    env: {},
    cwd: tmpdir(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const fields = output.split('\0').slice(0, names.length);
  return new Map(names.map((n, i) => [n, fields[i]?.startsWith('s') ? fields[i]!.slice(1) : undefined]));
}

export interface TempRoot {
  readonly root: SystemRoot;
  /** Writes a file at a system path (e.g. /etc/default/kexec), creating directories. */
  write(systemPath: string, content: string | Buffer): string;
  remove(): void;
}

export function tempRoot(): TempRoot {
  const dir = mkdtempSync(path.join(tmpdir(), 'kexec-config-'));
  const root = systemRoot(dir);
  return {
    root,
    write(systemPath, content) {
      const hostPath = root.path(systemPath);
      mkdirSync(path.dirname(hostPath), { recursive: true });
      writeFileSync(hostPath, content);
      return hostPath;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
