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

  it('never removes the lock another waiter has just taken over from the same dead holder', () => {
    const fake = fakeRoot();
    const gone = 2 ** 22 + 17; // above pid_max's default: no such process
    fake.write(LOCK, String(gone));
    const other = process.ppid; // a live process: the faster waiter
    let otherHolds = false;
    const isAlive = (pid: number) => {
      if (pid === gone) {
        // Between this waiter's look at the dead holder and what it does about
        // it, the other waiter removes that lock and takes its own.
        if (!otherHolds) {
          fake.remove(LOCK);
          fake.write(LOCK, String(other));
          otherHolds = true;
        }
        return false;
      }
      if (pid === other && otherHolds) {
        fake.remove(LOCK); // the other one is done
        otherHolds = false;
        return true;
      }
      return pid === process.pid;
    };
    expect(withLock(fake.root, LOCK, () => (otherHolds ? 'ran while the other held the lock' : 'ran alone'), isAlive)).toBe('ran alone');
    expect(fs.readdirSync(`${fake.dir}/run/kexec-reboot`)).toEqual([]);
  });

  it('removes a guard its taker left behind when killed', () => {
    const fake = fakeRoot();
    const gone = 2 ** 22 + 17;
    fake.write(LOCK, String(gone));
    fake.write(`${LOCK}.takeover`, String(gone));
    expect(withLock(fake.root, LOCK, () => 'ran', (pid) => pid !== gone)).toBe('ran');
    expect(fs.readdirSync(`${fake.dir}/run/kexec-reboot`)).toEqual([]);
  });
});

