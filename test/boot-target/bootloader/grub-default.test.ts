import { describe, expect, test } from 'vitest';
import { chooseDefault, grubStrtoul, innerDefault, menuentryEq, resolveGrubDefault } from '../../../src/boot-target/bootloader/grub-default.js';
import { evaluateMenu } from '../../../src/boot-target/bootloader/grub-menu.js';
import { parseGrubScript } from '../../../src/boot-target/bootloader/grub-script.js';

const items = [
  { title: 'Debian GNU/Linux', id: 'gnulinux-simple' },
  { title: 'Advanced options', id: 'gnulinux-advanced' },
  { title: 'A > B', id: 'a-b' },
  { title: '2nd system', id: '2nd' },
];

describe('menuentryEq (menu.c)', () => {
  test('compares up to the first single >', () => {
    expect(menuentryEq('Advanced options', 'Advanced options>x')).toBe(true);
    expect(menuentryEq('Advanced', 'Advanced options')).toBe(false);
    expect(menuentryEq('Advanced options', 'Advanced')).toBe(false);
  });
  test('>> stands for a literal >', () => {
    expect(menuentryEq('A > B', 'A >> B')).toBe(true);
    expect(menuentryEq('A > B', 'A >> B>1')).toBe(true);
  });
});

describe('grubStrtoul', () => {
  test('C rules: blanks, hex, octal, digits then anything', () => {
    expect(grubStrtoul(' 2')).toBe(2);
    expect(grubStrtoul('0x10')).toBe(16);
    expect(grubStrtoul('010')).toBe(8);
    expect(grubStrtoul('1>2')).toBe(1);
    expect(grubStrtoul('Debian')).toBeUndefined();
    expect(grubStrtoul('0xzz')).toBeUndefined();
  });
});

describe('chooseDefault', () => {
  test('a number is an index', () => {
    expect(chooseDefault(items, '1')).toEqual({ index: 1, how: 'number', inner: undefined });
  });
  test('title and id both match, first matching entry wins', () => {
    expect(chooseDefault(items, 'Advanced options')).toMatchObject({ index: 1, how: 'title' });
    expect(chooseDefault(items, 'gnulinux-advanced')).toMatchObject({ index: 1, how: 'id' });
  });
  test('a title starting with a digit reads as a number (GRUB 2.06 tries the number first)', () => {
    expect(chooseDefault(items, '2nd system')).toMatchObject({ index: 2, how: 'number' });
  });
  test('no match, or an index past the end, falls back to entry 0', () => {
    expect(chooseDefault(items, 'no such entry')).toMatchObject({ index: 0, how: 'fallback' });
    expect(chooseDefault(items, '7')).toMatchObject({ index: 0, how: 'fallback' });
  });
  test('unset default is entry 0', () => {
    expect(chooseDefault(items, undefined)).toMatchObject({ index: 0, how: 'unset' });
  });
  test('the part after the first single > is the submenu default', () => {
    expect(chooseDefault(items, 'gnulinux-advanced>gnulinux-6.1')).toMatchObject({ index: 1, inner: 'gnulinux-6.1' });
    expect(innerDefault('1>2>3')).toBe('2>3');
    expect(innerDefault('A >> B>x')).toBe('x');
    expect(innerDefault('1>')).toBeUndefined();
    expect(innerDefault('1')).toBeUndefined();
  });
});

describe('resolveGrubDefault', () => {
  test('reads the value through the menu', () => {
    const host = { grubDir: '/boot/grub', fileTest: () => false, loadEnv: () => new Map(), readScript: () => ({ unusable: 'not read' }) };
    const menu = evaluateMenu(parseGrubScript("set default=b\nmenuentry 'a' { true; }\nmenuentry 'b' { true; }\n"), host);
    expect(resolveGrubDefault(menu, host)).toMatchObject({ item: { title: 'b' }, titles: ['b'], how: 'via default="b"', viaNextEntry: false });
  });
});
