import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { systemRoot } from '../../src/host/system-root.js';
import { readTextFile, readTrustedTextFile } from '../../src/host/read-file.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

const host = systemRoot('/');

describe('readTextFile on files whose size stat gets wrong', () => {
  // The hostile cases are in test/boot-target/hostile-files.test.ts and test/config/read-config.test.ts.
  it.each(['/proc/version', '/sys/kernel/address_bits'].filter((p) => fs.existsSync(p)))('%s is read to its end', (file) => {
    expect(readTextFile(host, file, 64 * 1024)).toMatchObject({ kind: 'text', text: fs.readFileSync(file, 'utf8') });
  });
});

describe('the size limit', () => {
  let fake: FakeRoot;
  afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

  it('takes a file of exactly the limit and refuses one byte more', () => {
    fake = makeFakeRoot();
    fake.write('/etc/at-limit', 'x'.repeat(1024));
    fake.write('/etc/over-limit', 'x'.repeat(1025));
    expect(readTextFile(fake.root, '/etc/at-limit', 1024)).toMatchObject({ kind: 'text' });
    expect(readTextFile(fake.root, '/etc/over-limit', 1024)).toEqual({ kind: 'error', message: 'larger than 1024 bytes (1 KiB); not read' });
  });
});

describe('readTrustedTextFile', () => {
  let fake: FakeRoot;
  afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

  it('refuses a file others can write, with the reason trust.ts gives', () => {
    fake = makeFakeRoot();
    fake.write('/boot/grub/grub.cfg', 'set default=0\n');
    fs.chmodSync(`${fake.dir}/boot/grub/grub.cfg`, 0o646);
    expect(readTrustedTextFile(fake.root, '/boot/grub/grub.cfg', 1024)).toEqual({
      kind: 'untrusted',
      reason: '/boot/grub/grub.cfg is writable by everyone, who could then choose the next kernel (fix: chmod go-w /boot/grub/grub.cfg)',
    });
  });
});
