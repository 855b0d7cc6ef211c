import { describe, expect, test } from 'vitest';
import {
  chooseBlsDefault,
  compareBlsEntries,
  findBlsEntry,
  globMatch,
  LOADER_GUID,
  parseBlsEntry,
  strverscmpImproved,
} from '../../../src/boot-target/bootloader/bls.js';
import { efiVariable, fakeTreeWith, type FakeTree } from '../../support/fake-root.js';

const blsEntry = (tree: FakeTree) => findBlsEntry(tree.root);
const efivar = (name: string) => `/sys/firmware/efi/efivars/${name}-${LOADER_GUID}`;

const entry = (name: string, text: string) => parseBlsEntry(name, '/boot', `/boot/loader/entries/${name}`, text);

describe('parseBlsEntry', () => {
  test('linux, several initrd and options lines (joined later with spaces), quotes around a whole value dropped', () => {
    const e = entry('a.conf', 'title "Debian"\n# comment\nlinux /vmlinuz-6.1\ninitrd /intel-ucode.img\ninitrd /initrd.img-6.1\noptions root=/dev/sda1 ro\noptions quiet "x=a b"\n');
    expect(e).toMatchObject({ id: 'a.conf', title: 'Debian', linux: '/vmlinuz-6.1', initrds: ['/intel-ucode.img', '/initrd.img-6.1'], options: ['root=/dev/sda1 ro', 'quiet "x=a b"'] });
  });
  test('the id is the lower-cased file name without the boot counter', () => {
    expect(entry('Fedora+3-1.conf', '')).toMatchObject({ id: 'fedora.conf', triesLeft: 3, triesDone: 1 });
    expect(entry('x.conf', '')).toEqual({ id: 'x.conf', file: '/boot/loader/entries/x.conf', partition: '/boot', initrds: [], options: [] });
  });
});

describe('systemd-boot order', () => {
  test('strverscmp_improved orders versions like systemd', () => {
    const order = ['122.1', '123~rc1-1', '123', '123-a', '123-a.1', '123-1', '123-1.1', '123^post1', '123.a-1', '123.1-1', '123a-1', '124-1'];
    for (let k = 0; k + 1 < order.length; k++) expect(strverscmpImproved(order[k], order[k + 1])).toBe(-1);
    expect(strverscmpImproved('6.1.0-10', '6.1.0-9')).toBe(1);
  });
  test('sort-key first, then machine-id, then newest version; without sort-key newest id first; no tries left last', () => {
    const list = [
      entry('old-style-6.1.0-9.conf', 'linux /a'),
      entry('old-style-6.1.0-10.conf', 'linux /a'),
      entry('deb-a.conf', 'sort-key debian\nversion 6.1.0-9\nlinux /a'),
      entry('deb-b.conf', 'sort-key debian\nversion 6.1.0-10\nlinux /a'),
      entry('arch.conf', 'sort-key arch\nlinux /a'),
      entry('broken+0-3.conf', 'sort-key aaa\nlinux /a'),
    ];
    expect([...list].sort(compareBlsEntries).map((e) => e.id)).toEqual([
      'arch.conf',
      'deb-b.conf',
      'deb-a.conf',
      'old-style-6.1.0-10.conf',
      'old-style-6.1.0-9.conf',
      'broken.conf',
    ]);
  });
});

describe('chooseBlsDefault', () => {
  const list = [entry('b.conf', 'linux /b'), entry('a.conf', 'linux /a'), entry('c.conf', 'linux /c')];
  test('LoaderEntryOneShot, then LoaderEntryDefault, then loader.conf default, then the first', () => {
    expect(chooseBlsDefault(list, { oneShot: 'c.conf', defaultEfivar: 'a.conf', loaderConfDefault: 'b*' })).toMatchObject({ entry: { id: 'c.conf' }, viaOneShot: true });
    expect(chooseBlsDefault(list, { oneShot: 'zzz', defaultEfivar: 'a.conf', loaderConfDefault: 'c*' })).toMatchObject({ entry: { id: 'a.conf' }, viaOneShot: false });
    expect(chooseBlsDefault(list, { loaderConfDefault: 'C*' })?.entry.id).toBe('c.conf');
    expect(chooseBlsDefault(list, { loaderConfDefault: 'nothing*' })?.entry.id).toBe('b.conf');
  });
  test('default @saved uses LoaderEntryLastBooted', () => {
    expect(chooseBlsDefault(list, { loaderConfDefault: '@saved', lastBooted: 'a.conf' })?.entry.id).toBe('a.conf');
  });
  test('glob: * ? [..]', () => {
    expect(globMatch('deb-*.conf', 'deb-6.1.conf')).toBe(true);
    expect(globMatch('a?.conf', 'ab.conf')).toBe(true);
    expect(globMatch('[ab].conf', 'c.conf')).toBe(false);
    expect(globMatch('a.conf', 'a.confx')).toBe(false);
  });
});

describe('findBlsEntry', () => {
  test('nothing when there are no entries', () => {
    expect(blsEntry(fakeTreeWith({ '/boot/grub/grub.cfg': '' }))).toBeUndefined();
  });
  test('newest version by default, options lines joined, paths on the partition', () => {
    const tree = fakeTreeWith({
      '/boot/loader/entries/debian-6.1.0-9.conf': 'title Debian\nversion 6.1.0-9\nsort-key debian\nlinux /debian/6.1.0-9/linux\ninitrd /debian/6.1.0-9/initrd\noptions root=/dev/sda2\noptions ro quiet\n',
      '/boot/loader/entries/debian-6.1.0-10.conf': 'title Debian\nversion 6.1.0-10\nsort-key debian\nlinux /debian/6.1.0-10/linux\ninitrd /intel-ucode.img\ninitrd /debian/6.1.0-10/initrd\noptions root=/dev/sda2 ro\n',
      '/boot/debian/6.1.0-10/linux': 'k',
      '/boot/debian/6.1.0-10/initrd': 'i',
      '/boot/intel-ucode.img': 'u',
    });
    expect(blsEntry(tree)).toEqual({
      found: {
        kernel: '/boot/debian/6.1.0-10/linux',
        initrds: ['/boot/intel-ucode.img', '/boot/debian/6.1.0-10/initrd'],
        cmdline: 'root=/dev/sda2 ro',
        origin: '/boot/loader/entries/debian-6.1.0-10.conf first in systemd-boot order',
      },
    });
  });
  test('loader.conf on the ESP (/efi) picks an entry on XBOOTLDR (/boot); a one-shot wins and is flagged', () => {
    const tree = fakeTreeWith({
      '/efi/loader/loader.conf': 'default old*\n',
      '/efi/loader/entries/new.conf': 'linux /vmlinuz-new\noptions n=1\n',
      '/efi/vmlinuz-new': 'k',
      '/boot/loader/entries/old.conf': 'linux /vmlinuz-old\noptions o=1\n',
      '/boot/vmlinuz-old': 'k',
    });
    expect(blsEntry(tree)).toMatchObject({ found: { kernel: '/boot/vmlinuz-old', cmdline: 'o=1', origin: '/boot/loader/entries/old.conf via loader.conf "default old*"' } });
    tree.write(efivar('LoaderEntryOneShot'), efiVariable('new.conf'));
    expect(blsEntry(tree)).toMatchObject({ found: { kernel: '/efi/vmlinuz-new', viaOneShot: true } });
  });
  test('loader.conf: the last default line wins, quotes dropped, comments skipped', () => {
    const tree = fakeTreeWith({
      '/boot/loader/loader.conf': 'timeout 3\ndefault b*\n#default x\ndefault "a*"\n',
      '/boot/loader/entries/a.conf': 'linux /a\n',
      '/boot/loader/entries/b.conf': 'linux /b\n',
      '/boot/a': 'k',
      '/boot/b': 'k',
    });
    expect(blsEntry(tree)).toMatchObject({ found: { kernel: '/boot/a', origin: '/boot/loader/entries/a.conf via loader.conf "default a*"' } });
  });
  test('entry paths are relative to their partition, with \\ read as /', () => {
    const tree = fakeTreeWith({ '/efi/loader/entries/w.conf': 'linux \\EFI\\debian\\vmlinuz\n', '/efi/EFI/debian/vmlinuz': 'k' });
    expect(blsEntry(tree)).toMatchObject({ found: { kernel: '/efi/EFI/debian/vmlinuz' } });
  });
  test('bootctl set-default (LoaderEntryDefault, UTF-16 after 4 attribute bytes) beats loader.conf', () => {
    const tree = fakeTreeWith({
      '/boot/efi/loader/loader.conf': 'default a.conf\n',
      '/boot/efi/loader/entries/a.conf': 'linux /a\n',
      '/boot/efi/loader/entries/b.conf': 'linux /b\n',
      '/boot/efi/a': 'k',
      '/boot/efi/b': 'k',
    });
    tree.write(efivar('LoaderEntryDefault'), efiVariable('b.conf'));
    expect(blsEntry(tree)).toMatchObject({ found: { kernel: '/boot/efi/b' } });
  });
  test('an entry naming no kernel, or a missing file, is unusable', () => {
    expect(blsEntry(fakeTreeWith({ '/boot/loader/entries/t.conf': 'title nothing to boot\n' }))).toMatchObject({ unusable: expect.stringContaining('names no kernel (no linux, uki or efi line)') });
    expect(blsEntry(fakeTreeWith({ '/boot/loader/entries/u.conf': 'uki /EFI/Linux/x.efi\n' }))).toMatchObject({ unusable: expect.stringContaining('kernel /boot/EFI/Linux/x.efi not found') });
    expect(blsEntry(fakeTreeWith({ '/boot/loader/entries/l.conf': 'linux /nope\n' }))).toMatchObject({ unusable: expect.stringContaining('kernel /boot/nope not found') });
    expect(blsEntry(fakeTreeWith({ '/boot/loader/entries/l.conf': 'linux /k\ninitrd /nope\n', '/boot/k': 'k' }))).toMatchObject({ unusable: expect.stringContaining('initrd /boot/nope not found') });
  });
});
