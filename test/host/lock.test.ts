import { describe, expect, it, onTestFinished } from 'vitest';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { withLock } from '../../src/host/lock.js';
import { makeFakeRoot } from '../support/fake-root.js';

const LOCK = '/run/kexec-reboot/history.lock';

function fakeRoot() {
  const fake = makeFakeRoot();
  onTestFinished(() => fs.rmSync(fake.dir, { recursive: true, force: true }));
  return fake;
}

describe('withLock', () => {
  it('holds the lock file, with its process id, only while the body runs', () => {
    const fake = fakeRoot();
    expect(withLock(fake.root, LOCK, () => fake.read(LOCK))).toBe(String(process.pid));
    expect(fs.readdirSync(`${fake.dir}/run/kexec-reboot`)).toEqual([]);
  });

  it('takes over a lock whose process is gone (a writer killed part way)', () => {
    const fake = fakeRoot();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    fake.write(LOCK, gone);
    expect(withLock(fake.root, LOCK, () => 'ran')).toBe('ran');
    expect(fake.exists(LOCK)).toBe(false);
  });

  it('releases the lock when the body throws', () => {
    const fake = fakeRoot();
    expect(() => withLock(fake.root, LOCK, () => { throw new Error('full disk'); })).toThrow('full disk');
    expect(fake.exists(LOCK)).toBe(false);
  });
});
