/** The reference for the configuration reader: the real /bin/sh. */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';

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
