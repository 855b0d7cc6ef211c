import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { consumeKexecToolsColdFlag } from '../../src/act/kexec-tools-cold-flag.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

describe('consumeKexecToolsColdFlag', () => {
  it('has nothing to say when there is no /no-kexec-reboot', () => {
    fake = makeFakeRoot();
    expect(consumeKexecToolsColdFlag(fake.root, undefined)).toBeUndefined();
  });

  it('removes /no-kexec-reboot: it asks for one firmware restart only', () => {
    fake = makeFakeRoot();
    fake.write('/no-kexec-reboot', '');
    expect(consumeKexecToolsColdFlag(fake.root, undefined)).toEqual({ ok: true, detail: 'removed /no-kexec-reboot: it asked for this reboot only' });
    expect(fake.exists('/no-kexec-reboot')).toBe(false);
  });

  it('says that later reboots stay cold when the file cannot be removed', () => {
    fake = makeFakeRoot();
    fake.write('/no-kexec-reboot/inside', '');
    const result = consumeKexecToolsColdFlag(fake.root, undefined);
    expect(result?.ok).toBe(false);
    expect(result?.detail).toMatch(/^cannot remove \/no-kexec-reboot \(.*\): later reboots will go through firmware too/);
  });
});
