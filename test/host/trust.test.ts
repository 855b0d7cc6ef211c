import { describe, expect, it } from 'vitest';
import type fs from 'node:fs';
import { untrustedBecause } from '../../src/host/trust.js';

const stat = (uid: number, mode: number) => ({ uid, mode: 0o100000 | mode }) as fs.Stats;

describe('untrustedBecause', () => {
  it('accepts a file of the owner, closed to others', () => {
    expect(untrustedBecause(stat(0, 0o644), '/etc/default/kexec', 0)).toBeUndefined();
    expect(untrustedBecause(stat(0, 0o600), '/boot/vmlinuz', 0)).toBeUndefined();
  });

  it('refuses a file of another user, saying how to fix it', () => {
    expect(untrustedBecause(stat(1000, 0o644), '/boot/vmlinuz', 0)).toBe(
      '/boot/vmlinuz is owned by uid 1000, not root, who alone may choose the next kernel (fix: chown root:root /boot/vmlinuz)',
    );
  });

  it('refuses a file others can write', () => {
    expect(untrustedBecause(stat(0, 0o664), '/etc/default/kexec', 0)).toMatch(/writable by its group, .*chmod go-w/);
    expect(untrustedBecause(stat(0, 0o646), '/etc/default/kexec', 0)).toMatch(/writable by everyone/);
  });
});
