import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { readLoadRecord, writeLoadRecord } from '../../src/host/load-record.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

describe('readLoadRecord', () => {
  it('reads back what was written', () => {
    fake = makeFakeRoot();
    writeLoadRecord(fake.root, { loadedAt: '2026-12-02T10:00:00.000Z' });
    expect(readLoadRecord(fake.root)).toEqual({ loadedAt: '2026-12-02T10:00:00.000Z' });
  });

  it('never blocks on a FIFO in place of the record: there is then no record', () => {
    fake = makeFakeRoot();
    fs.mkdirSync(`${fake.dir}/run/kexec-reboot`, { mode: 0o700 });
    execFileSync('mkfifo', [`${fake.dir}/run/kexec-reboot/loaded.json`]);
    expect(readLoadRecord(fake.root)).toBeUndefined();
  }, 3_000);

  it("reads a record of 0.2.0 (whose fingerprint does not say the call) as a load that did not finish, so its kernel is loaded again", () => {
    fake = makeFakeRoot();
    const identity = { path: '/boot/vmlinuz-6.1.0-9-amd64', device: 1, inode: 2, size: 3, modifiedMs: 4 };
    fake.write('/run/kexec-reboot/loaded.json', JSON.stringify({ loadedAt: 'T', fingerprint: { kernel: identity, initrds: [], cmdline: '', fileSyscall: false } }));
    expect(readLoadRecord(fake.root)).toEqual({ loadedAt: 'T' });
  });

  it('has no record in a file that is not one', () => {
    fake = makeFakeRoot();
    fake.write('/run/kexec-reboot/loaded.json', '\0\0garbage');
    expect(readLoadRecord(fake.root)).toBeUndefined();
  });
});
