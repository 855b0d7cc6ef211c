import { describe, expect, test } from 'vitest';
import { parseGrubenv, readGrubenv } from '../../../src/boot-target/bootloader/grubenv.js';
import { fakeTreeWith, fixture } from '../../support/fake-root.js';

describe('parseGrubenv', () => {
  test('reads a block written by grub-set-default and grub-reboot', () => {
    const env = parseGrubenv(fixture('grub', 'saved', 'grubenv-reboot-once'));
    expect(env).toEqual({ vars: new Map([['saved_entry', '1'], ['next_entry', '1>4']]) });
  });
  test('keeps titles with spaces, commas and parentheses', () => {
    const env = parseGrubenv(fixture('grub', 'saved', 'grubenv-set-default-title-path'));
    expect('vars' in env && env.vars.get('saved_entry')).toBe(
      'Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-10-amd64 (recovery mode)',
    );
  });
  test('a backslash escapes the next character (envblk.c), so values can hold newlines', () => {
    const env = parseGrubenv('# GRUB Environment Block\na=x\\\\y\\\nz\nb=2\n####');
    expect(env).toEqual({ vars: new Map([['a', 'x\\y\nz'], ['b', '2']]) });
  });
  test('a block without the signature is invalid', () => {
    expect(parseGrubenv('saved_entry=1\n')).toHaveProperty('unusable');
  });
});

describe('readGrubenv', () => {
  test('missing, empty and read', () => {
    const { root } = fakeTreeWith({ '/boot/grub/empty': '', '/boot/grub/grubenv': '# GRUB Environment Block\nx=1\n' });
    expect(readGrubenv(root, '/boot/grub/none')).toEqual({ state: 'missing' });
    expect(readGrubenv(root, '/boot/grub/empty')).toEqual({ state: 'empty' });
    expect(readGrubenv(root, '/boot/grub/grubenv')).toEqual({ state: 'read', vars: new Map([['x', '1']]) });
  });
});
