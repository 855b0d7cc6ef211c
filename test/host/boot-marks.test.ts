import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { parseBootMark, readBootMarks, removeBootMarks } from '../../src/host/boot-marks.js';
import { fakeTreeWith } from '../support/fake-root.js';

const DIR = '/var/lib/kexec-reboot/boots';

describe('boot marks', () => {
  it('reads what mark-boot writes: who started the kernel, when, its release', () => {
    expect(parseBootMark('b0a1', 'kexec 1796306361 6.12.117+deb13-amd64\n')).toEqual({
      bootId: 'b0a1',
      by: 'kexec',
      kernelRelease: '6.12.117+deb13-amd64',
      kernelStartedAt: '2026-12-03T13:59:21.000Z',
    });
  });

  it('reads the boot our kexec\'s marker names, where the command line had one', () => {
    expect(parseBootMark('b0a1', 'unknown 1796306361 6.12.117+deb13-arm64 7c1e-f00d\n')).toMatchObject({ by: 'unknown', kexecFrom: '7c1e-f00d' });
  });

  it.each(['', 'kexec', 'booted 1796306361 6.1', 'kexec soon 6.1', 'kexec 1796306361 6.1 b0 more', 'kexec 1796306361 6.1 ../b0'])('ignores a mark it cannot read: %j', (text) => {
    expect(parseBootMark('b0a1', text)).toBeUndefined();
  });

  it("skips a half-written mark (its dot name) and one others could have written, and removes marks by boot id", () => {
    const tree = fakeTreeWith({ [`${DIR}/b1`]: 'firmware 1796306361 6.1\n', [`${DIR}/.b2`]: 'kexec 17', [`${DIR}/b3`]: 'kexec 1796306361 6.1\n' });
    fs.chmodSync(`${tree.dir}${DIR}/b3`, 0o666);
    expect(readBootMarks(tree.root).map((mark) => mark.bootId)).toEqual(['b1']);
    removeBootMarks(tree.root, ['b1', '../b3']);
    expect(fs.readdirSync(`${tree.dir}${DIR}`).sort()).toEqual(['.b2', 'b3']);
  });
});
