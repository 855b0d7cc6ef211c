import { describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/boot-target/boot-target.js';
import { LOADER_GUID } from '../../src/boot-target/bootloader/bls.js';
import { DEFAULT_CONFIG, type KexecConfig } from '../../src/config/config.js';
import { bzImage, cpio, debianRoot, efiVariable, fakeTreeWith, type FakeTree } from '../support/fake-root.js';
import { unifiedImage } from '../support/unified-image.js';

const RELEASE = '6.12.57+deb13-amd64';
const NO_SYMLINK = `/vmlinuz does not exist and KERNEL_IMAGE is not set`;

/** A system whose kernel packages make no /vmlinuz (do_symlinks = no, Proxmox VE): only /boot/vmlinuz-VERSION. */
function withoutSymlinks(files: Readonly<Record<string, string>> = {}): FakeTree {
  return fakeTreeWith({
    '/proc/sys/kernel/osrelease': `${RELEASE}\n`,
    '/proc/cmdline': `BOOT_IMAGE=/boot/vmlinuz-${RELEASE} root=/dev/vda ro quiet\n`,
    [`/boot/vmlinuz-${RELEASE}`]: 'kernel',
    [`/boot/initrd.img-${RELEASE}`]: 'initrd',
    ...files,
  });
}

const set = (config: Partial<Record<'kernelImage' | 'initrd', string>>): KexecConfig => ({
  ...DEFAULT_CONFIG,
  ...Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value, origin: '/etc/default/kexec:1' }])),
});

describe('resolveTarget without /vmlinuz and with KERNEL_IMAGE not set', () => {
  it("boots systemd-boot's default entry, with its own command line, saying which rule chose it", async () => {
    const root = withoutSymlinks({
      '/efi/loader/entries/m-6.1.0-40-amd64.conf': 'linux /m/6.1.0-40-amd64/linux\ninitrd /m/6.1.0-40-amd64/initrd\noptions root=/dev/vda ro old\n',
      '/efi/loader/entries/m-6.12.57+deb13-amd64.conf': 'linux /m/6.12/linux\ninitrd /m/6.12/initrd\noptions root=/dev/vda ro new\n',
      '/efi/m/6.1.0-40-amd64/linux': 'kernel',
      '/efi/m/6.1.0-40-amd64/initrd': 'initrd',
      '/efi/m/6.12/linux': 'kernel',
      '/efi/m/6.12/initrd': 'initrd',
    });
    const target = await resolveTarget(root.root, DEFAULT_CONFIG);
    expect(target).toMatchObject({ kernel: { value: '/efi/m/6.12/linux' }, initrds: { value: ['/efi/m/6.12/initrd'] }, cmdline: { value: 'root=/dev/vda ro new' }, problems: [] });
    expect(target.kernel.origin).toBe(`the boot loader's next entry (${NO_SYMLINK}): /efi/loader/entries/m-6.12.57+deb13-amd64.conf first in systemd-boot order`);
  });

  it("takes systemd-boot's one-shot, to be cleared once loaded", async () => {
    const root = withoutSymlinks({
      '/boot/efi/loader/entries/a.conf': 'linux /a\noptions a\n',
      '/boot/efi/loader/entries/b.conf': 'linux /b\noptions b\n',
      '/boot/efi/a': 'kernel',
      '/boot/efi/b': 'kernel',
    });
    root.write(`/sys/firmware/efi/efivars/LoaderEntryOneShot-${LOADER_GUID}`, efiVariable('b.conf'));
    expect(await resolveTarget(root.root, DEFAULT_CONFIG)).toMatchObject({ kernel: { value: '/boot/efi/b' }, cmdline: { value: 'b' }, oneShot: { bootloader: 'systemd-boot' } });
  });

  it("boots GRUB's default entry where grub.cfg is the boot loader's", async () => {
    const root = debianRoot('default');
    root.write('/proc/sys/kernel/osrelease', '6.1.0-9-amd64\n');
    const target = await resolveTarget(root.root, DEFAULT_CONFIG);
    expect(target.kernel.value).toBe('/boot/vmlinuz-6.1.0-11-amd64');
    expect(target.kernel.origin).toMatch(new RegExp(`^the boot loader's next entry \\(${NO_SYMLINK}\\): /boot/grub/grub\\.cfg entry `));
  });

  it("boots the running kernel's own files again when there is no boot loader configuration to read", async () => {
    const target = await resolveTarget(withoutSymlinks().root, DEFAULT_CONFIG);
    expect(target).toMatchObject({
      kernel: { value: `/boot/vmlinuz-${RELEASE}` },
      initrds: { value: [`/boot/initrd.img-${RELEASE}`] },
      cmdline: { value: 'root=/dev/vda ro quiet' },
      problems: [],
    });
    expect(target.kernel.origin).toBe(
      `the running kernel's own file (${NO_SYMLINK}; the boot loader's next entry cannot be used: neither a GRUB configuration nor Boot Loader Spec entries were found)`,
    );
  });

  it('keeps an INITRD that is set, with the running kernel', async () => {
    const root = withoutSymlinks({ '/boot/initrd-custom': 'initrd' });
    expect((await resolveTarget(root.root, set({ initrd: '/boot/initrd-custom' }))).initrds.value).toEqual(['/boot/initrd-custom']);
  });

  it("says why when the running kernel's release cannot be read", async () => {
    const root = withoutSymlinks();
    root.remove('/proc/sys/kernel/osrelease');
    const target = await resolveTarget(root.root, DEFAULT_CONFIG);
    expect(target.problems).toEqual([{ subject: 'kernel', unusable: expect.stringMatching(/the running kernel's release is unknown: \/proc\/sys\/kernel\/osrelease/) }]);
  });

  it('never guesses around a KERNEL_IMAGE that is set: a missing one is the error it names', async () => {
    const target = await resolveTarget(withoutSymlinks().root, set({ kernelImage: '/vmlinuz' }));
    expect(target.problems[0]).toEqual({ subject: 'kernel', unusable: '/vmlinuz does not exist' });
  });

  it('follows /vmlinuz where it exists, whatever the boot loader says', async () => {
    const root = debianRoot('default');
    root.link('/vmlinuz', 'boot/vmlinuz-6.1.0-9-amd64');
    root.link('/initrd.img', 'boot/initrd.img-6.1.0-9-amd64');
    expect((await resolveTarget(root.root, DEFAULT_CONFIG)).kernel).toEqual({ value: '/boot/vmlinuz-6.1.0-9-amd64', origin: 'KERNEL_IMAGE=/vmlinuz (default)' });
  });
});

describe('resolveTarget with a unified kernel image', () => {
  const uki = (cmdline = 'root=/dev/vda ro uki=1', osRelease?: string) =>
    unifiedImage({ linux: bzImage('inner'), initrd: cpio('initramfs'), cmdline, ...(osRelease === undefined ? {} : { osRelease }) });

  it('named by KERNEL_IMAGE: its .linux is the kernel, its .initrd the only initrd, its .cmdline the command line', async () => {
    const root = withoutSymlinks({});
    root.write('/boot/efi/EFI/Linux/debian.efi', uki());
    root.link('/initrd.img', `boot/initrd.img-${RELEASE}`);
    const target = await resolveTarget(root.root, set({ kernelImage: '/boot/efi/EFI/Linux/debian.efi' }));
    expect(target).toMatchObject({
      kernel: { value: '/boot/efi/EFI/Linux/debian.efi', origin: 'KERNEL_IMAGE=/boot/efi/EFI/Linux/debian.efi (/etc/default/kexec:1); a unified kernel image: its .linux section' },
      initrds: { value: [], origin: 'the .ucode and .initrd sections of /boot/efi/EFI/Linux/debian.efi' },
      cmdline: { value: 'root=/dev/vda ro uki=1', origin: 'the .cmdline section of /boot/efi/EFI/Linux/debian.efi' },
      unified: { linux: { size: 1024 }, initrds: [{ size: cpio('initramfs').length }] },
      problems: [],
    });
  });

  it('keeps APPEND and an INITRD that are set: the initrd goes after the image\'s own', async () => {
    const root = withoutSymlinks({});
    root.write('/boot/k.efi', uki());
    const config = { ...set({ kernelImage: '/boot/k.efi', initrd: `/boot/initrd.img-${RELEASE}` }), append: { value: 'root=/dev/sdb1 ro', origin: '/etc/default/kexec:3' } };
    const target = await resolveTarget(root.root, config);
    expect(target).toMatchObject({ initrds: { value: [`/boot/initrd.img-${RELEASE}`] }, cmdline: { value: 'root=/dev/sdb1 ro' } });
  });

  it("boots systemd-boot's type #2 entry (EFI/Linux/*.efi), sorted with the type #1 entries by its .osrel", async () => {
    const root = withoutSymlinks({
      '/efi/loader/entries/m-6.1.0-40-amd64.conf': 'sort-key debian\nversion 6.1.0-40-amd64\nlinux /m/linux\noptions root=/dev/vda ro type1\n',
      '/efi/m/linux': 'kernel',
    });
    root.write('/efi/EFI/Linux/debian-6.12.efi', uki('root=/dev/vda ro type2', 'PRETTY_NAME="Debian 13"\nID=debian\nVERSION="6.12.57"\n'));
    const target = await resolveTarget(root.root, DEFAULT_CONFIG);
    expect(target).toMatchObject({ kernel: { value: '/efi/EFI/Linux/debian-6.12.efi' }, cmdline: { value: 'root=/dev/vda ro type2' }, unified: {} });
    expect(target.kernel.origin).toMatch(/\/efi\/EFI\/Linux\/debian-6\.12\.efi first in systemd-boot order; a unified kernel image: its \.linux section$/);
    root.write(`/sys/firmware/efi/efivars/LoaderEntryDefault-${LOADER_GUID}`, efiVariable('m-6.1.0-40-amd64.conf'));
    expect((await resolveTarget(root.root, DEFAULT_CONFIG)).kernel.value).toBe('/efi/m/linux');
  });

  it('says why a unified image cannot be used', async () => {
    const root = withoutSymlinks({});
    root.write('/boot/k.efi', unifiedImage({ linux: bzImage(), extra: [{ name: '.profile', data: 'ID=a\n' }] }));
    const target = await resolveTarget(root.root, set({ kernelImage: '/boot/k.efi' }));
    expect(target.problems[0]).toEqual({ subject: 'kernel', unusable: expect.stringMatching(/^\/boot\/k\.efi: it is a multi-profile unified kernel image/) });
  });
});
