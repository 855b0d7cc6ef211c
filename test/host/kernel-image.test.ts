import { describe, expect, it } from 'vitest';
import { whyNotBootable } from '../../src/host/kernel-image.js';
import { parseKernelConfig } from '../../src/host/facts.js';
import { bzImage } from '../support/fake-root.js';

/** The header of an arm64 Image as Debian ships it (Documentation/arch/arm64/booting.rst): "MZ" for the EFI stub, flags, "ARM\x64". */
function arm64Image({ pageSizeKiB = 4, bigEndian = false }: { pageSizeKiB?: 4 | 16 | 64; bigEndian?: boolean } = {}): Buffer {
  const image = Buffer.alloc(1024);
  image.write('MZ', 0, 'latin1');
  image.writeUInt32LE((bigEndian ? 1 : 0) | ({ 4: 1, 16: 2, 64: 3 }[pageSizeKiB] << 1), 0x30);
  image.write('ARM\x64', 0x38, 'latin1');
  return image;
}

function zboot(): Buffer {
  const image = Buffer.alloc(1024);
  image.write('MZ\0\0zimg', 0, 'latin1');
  return image;
}

const X86 = { machine: 'x86_64' };
const ARM64 = { machine: 'aarch64', pageSizeKiB: 4 };

describe('whyNotBootable', () => {
  it('takes a bzImage on x86_64 and an arm64 Image on aarch64', () => {
    expect(whyNotBootable(bzImage(), X86)).toBeUndefined();
    expect(whyNotBootable(arm64Image(), ARM64)).toBeUndefined();
    expect(whyNotBootable(arm64Image({ pageSizeKiB: 16 }), { machine: 'aarch64' })).toBeUndefined();
  });

  it("names the other architecture's kernel for what it is", () => {
    expect(whyNotBootable(arm64Image(), X86)).toBe('an arm64 Image, not an x86 bzImage');
    expect(whyNotBootable(bzImage(), ARM64)).toBe('an x86 bzImage, not an arm64 Image');
    expect(whyNotBootable(Buffer.from('not a kernel'), ARM64)).toBe('not a Linux kernel image (no arm64 Image header)');
  });

  it('refuses an arm64 Image for other pages than the running kernel, a big-endian one, and EFI zboot', () => {
    expect(whyNotBootable(arm64Image({ pageSizeKiB: 16 }), ARM64)).toBe('an arm64 Image for 16 KiB pages; the running kernel uses 4 KiB pages');
    expect(whyNotBootable(arm64Image({ bigEndian: true }), ARM64)).toBe('a big-endian arm64 Image; the running kernel is little-endian');
    expect(whyNotBootable(zboot(), ARM64)).toMatch(/^an EFI zboot image \(a compressed kernel, which Debian does not build and kexec-reboot does not load\), not an arm64 Image$/);
  });

  it('says it does not know the image format of another machine, rather than guess', () => {
    expect(whyNotBootable(bzImage(), { machine: 'riscv64' })).toBe('a kernel for riscv64, whose image format kexec-reboot does not check (it knows x86_64 and aarch64)');
  });
});

describe('parseKernelConfig', () => {
  it("reads kexec_file_load and the page size from Debian's /boot/config", () => {
    // As in Debian 13's arm64 config-6.12.*: KEXEC without KEXEC_FILE, 4 KiB pages.
    expect(parseKernelConfig('CONFIG_KEXEC=y\n# CONFIG_KEXEC_FILE is not set\nCONFIG_ARM64_PAGE_SHIFT=12\n')).toEqual({ kexecFileLoad: false, pageSizeKiB: 4 });
    expect(parseKernelConfig('CONFIG_KEXEC_FILE=y\nCONFIG_ARM64_PAGE_SHIFT=14\n')).toEqual({ kexecFileLoad: true, pageSizeKiB: 16 });
    expect(parseKernelConfig('')).toEqual({});
  });
});
