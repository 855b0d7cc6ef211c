import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { readInitStartSeconds } from '../../src/host/kernel-log.js';
import { fakeTreeWith } from '../support/fake-root.js';

const record = (sequence: number, microseconds: number, text: string) => `6,${sequence},${microseconds},-;${text}\n`;

describe('readInitStartSeconds', () => {
  it("reads when the kernel ran init from its log's own timestamp (microseconds), past dictionary lines", () => {
    const log = record(0, 0, 'Linux version 6.1.0-9-amd64') + ' SUBSYSTEM=cpu\n' + record(339, 4_008_324, 'Run /init as init process') + record(340, 4_008_400, '  with arguments:');
    expect(readInitStartSeconds(fakeTreeWith({ '/dev/kmsg': log }).root)).toBe(4.008324);
  });

  it('reads /sbin/init as well, for a kernel booted without an initramfs', () => {
    expect(readInitStartSeconds(fakeTreeWith({ '/dev/kmsg': record(5, 1_500_000, 'Run /sbin/init as init process') }).root)).toBe(1.5);
  });

  it('says nothing when the log no longer holds the record, or is not there', () => {
    expect(readInitStartSeconds(fakeTreeWith({ '/dev/kmsg': record(90_000, 9e9, 'eth0: link up') }).root)).toBeUndefined();
    expect(readInitStartSeconds(fakeTreeWith({}).root)).toBeUndefined();
  });

  it('reads no other device put in its place', () => {
    const tree = fakeTreeWith({});
    fs.mkdirSync(`${tree.dir}/dev`, { recursive: true });
    fs.symlinkSync('/dev/zero', `${tree.dir}/dev/kmsg`);
    expect(readInitStartSeconds(tree.root)).toBeUndefined();
  });
});
