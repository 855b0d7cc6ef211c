import { describe, expect, test } from 'vitest';
import { runTestCommand, type FileTest } from '../../../src/boot-target/bootloader/grub-test-command.js';
import { UNKNOWN, type Arg } from '../../../src/boot-target/bootloader/grub-variables.js';

const noFiles: FileTest = () => false;
/** `test ARGS` on line 7, written as it was expanded ($x for a value only known at boot time). */
const evaluate = (args: Arg[], fileTest = noFiles) => runTestCommand('test', args, fileTest, `test ${args.map((a) => (a === UNKNOWN ? '$x' : a)).join(' ')}`, 7);

describe('runTestCommand', () => {
  test('-a, -o, !, =, !=, -n, -z, -eq, (...)', () => {
    expect(evaluate(['xy', '=', 'xy', '-a', '!', '-z', 'y'])).toBe(true);
    expect(evaluate(['1', '-eq', '2', '-o', '-n', ''])).toBe(false);
    expect(evaluate(['a', '!=', 'b'])).toBe(true);
    expect(evaluate(['(', 'a', '=', 'b', '-o', 'c', ')', '-a', 'd'])).toBe(true);
    expect(evaluate(['10', '-gt', '9', '-a', '10', '>', '9'])).toBe(false);
  });
  test('[ needs its ]', () => {
    expect(runTestCommand('[', ['a', ']'], noFiles, '[ a ]', 2)).toBe(true);
    expect(runTestCommand('[', ['a'], noFiles, '[ a', 2)).toEqual({ unusable: '`[ a` (line 2) lacks its ]' });
  });
  test('file tests are asked of the caller, who may not know', () => {
    const asked: string[] = [];
    const fileTest: FileTest = (op, path) => (asked.push(`${op} ${path}`), path === '/boot/grub/grubenv' ? true : { unusable: `${path}, which can only be checked by GRUB` });
    expect(evaluate(['-s', '/boot/grub/grubenv'], fileTest)).toBe(true);
    expect(evaluate(['-f', '/efi/x'], fileTest)).toEqual({ unusable: '`test -f /efi/x` tests /efi/x, which can only be checked by GRUB (line 7)' });
    expect(asked).toEqual(['-s /boot/grub/grubenv', '-f /efi/x']);
  });
  test('a value only known at boot time, a number that is none, or words it does not take are unknown', () => {
    expect(runTestCommand('test', [UNKNOWN, '=', 'efi'], noFiles, 'test "$grub_platform" = efi', 1)).toEqual({
      unusable: '`test "$grub_platform" = efi` compares a value only known at boot time (line 1)',
    });
    expect(evaluate(['x', '-lt', '2'])).toHaveProperty('unusable', '`test x -lt 2` compares numbers that are not numbers (line 7)');
    expect(evaluate(['a', 'b'])).toHaveProperty('unusable', '`test a b` is not understood (line 7)');
  });
  test('a known false side of -a, or a true side of -o, decides without the unknown', () => {
    expect(evaluate(['a', '=', 'b', '-a', UNKNOWN])).toBe(false);
    expect(evaluate([UNKNOWN, '-o', 'a', '=', 'a'])).toBe(true);
  });
});
