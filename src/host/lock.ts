import { linkSync, readFileSync, rmSync } from 'node:fs';
import type { SystemRoot } from './system-root.js';
import { writeStateFile } from './state-dir.js';

/** Long enough for a writer's fsyncs on a busy disk; short enough to leave the shutdown hook its time. */
const WAIT_MS = 10_000;
const POLL_MS = 10;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const holderOf = (hostPath: string): number | undefined => {
  try {
    return Number(readFileSync(hostPath, 'utf8')) || undefined;
  } catch {
    return undefined;
  }
};

/**
 * Removes the lock `lock` if `deadHolder` still holds it. Two waiters can see
 * the same dead holder; without this guard the slower one would remove the
 * lock the faster one has just taken over, and both would write. Only the
 * guard's holder removes, and only after reading the holder again under it.
 * A guard whose process is gone is removed too: that takes a process killed
 * within these few lines, and a second waiter at that moment.
 */
function takeOver(root: SystemRoot, systemPath: string, mine: string, deadHolder: number, isAlive: (pid: number) => boolean): void {
  const guard = root.path(`${systemPath}.takeover`);
  try {
    linkSync(root.path(mine), guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const guardHolder = holderOf(guard);
    if (guardHolder !== undefined && !isAlive(guardHolder)) rmSync(guard, { force: true });
    return;
  }
  try {
    if (holderOf(root.path(systemPath)) === deadHolder) rmSync(root.path(systemPath), { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

/**
 * Runs `body` while holding the lock file `systemPath` (in the state
 * directory, under /run: a lock left by a killed process cannot outlive the
 * boot). Node has no flock(2); the lock is a hard link to a file that already
 * holds our process id, so a lock file is never seen empty, and one whose
 * process is gone (a writer killed part way) is taken over (takeOver). Waits
 * at most WAIT_MS, then throws. isAlive: the tests' seam.
 */
export function withLock<T>(root: SystemRoot, systemPath: string, body: () => T, isAlive = alive): T {
  const lock = root.path(systemPath);
  const mine = `${systemPath}.${process.pid}`;
  writeStateFile(root, mine, String(process.pid));
  try {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      try {
        linkSync(root.path(mine), lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = holderOf(lock);
      if (holder !== undefined && !isAlive(holder)) {
        takeOver(root, systemPath, mine, holder, isAlive);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${systemPath} is held by process ${holder ?? '?'}: gave up after ${WAIT_MS / 1000} s`);
      sleep(POLL_MS);
    }
  } finally {
    rmSync(root.path(mine), { force: true });
  }
  try {
    return body();
  } finally {
    rmSync(lock, { force: true });
  }
}
