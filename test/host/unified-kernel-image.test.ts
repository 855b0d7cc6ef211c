import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findUnifiedParts, sectionText } from '../../src/host/unified-kernel-image.js';
import { bzImage, cpio } from '../support/fake-root.js';
import { peWithSections, unifiedImage } from '../support/unified-image.js';

const parts = (image: Buffer) => findUnifiedParts(image.subarray(0, 4096), image.length);
const bytes = (image: Buffer, range: { offset: number; size: number }) => image.subarray(range.offset, range.offset + range.size);

describe('findUnifiedParts', () => {
  it('takes each section by its real size (VirtualSize), not the padded raw size', () => {
    const linux = bzImage('kernel');
    const image = unifiedImage({ linux: linux.subarray(0, 1000), initrd: cpio('initramfs'), cmdline: 'root=/dev/vda ro uki=1' });
    const found = parts(image);
    if (!found || 'unusable' in found) throw new Error(JSON.stringify(found));
    expect(bytes(image, found.parts.linux)).toEqual(linux.subarray(0, 1000));
    expect(bytes(image, found.parts.initrds[0]!).toString()).toBe(cpio('initramfs'));
    expect(sectionText(bytes(image, found.cmdline!))).toBe('root=/dev/vda ro uki=1');
  });

  it('puts .ucode before .initrd, as systemd-stub does, whatever their order in the file', () => {
    const image = unifiedImage({ linux: bzImage(), initrd: cpio('main'), ucode: cpio('ucode') });
    const found = parts(image);
    if (!found || 'unusable' in found) throw new Error(JSON.stringify(found));
    expect(found.parts.initrds.map((range) => bytes(image, range).toString())).toEqual([cpio('ucode'), cpio('main')]);
  });

  it('is undefined for a kernel that is a PE image without .linux (an EFI-stub bzImage), and for a file that is none', () => {
    expect(parts(fs.readFileSync(new URL('../fixtures/pe/tiny.efi', import.meta.url)))).toBeUndefined();
    expect(parts(bzImage())).toBeUndefined();
  });

  it('refuses a section that claims more than it holds, runs past the file, or a multi-profile image', () => {
    expect(parts(peWithSections([{ name: '.linux', data: bzImage(), virtualSize: 4096 }]))).toEqual({ unusable: 'its .linux section claims 4096 bytes but holds 1024' });
    const cut = unifiedImage({ linux: bzImage() });
    expect(findUnifiedParts(cut.subarray(0, 4096), cut.length - 100)).toEqual({ unusable: 'its .linux section runs past the end of the file' });
    expect(parts(unifiedImage({ linux: bzImage(), extra: [{ name: '.profile', data: 'ID=a\n' }] }))).toMatchObject({ unusable: expect.stringMatching(/multi-profile/) });
  });
});
