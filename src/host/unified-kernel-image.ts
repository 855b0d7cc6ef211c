/**
 * Unified kernel images (UKI: the Boot Loader Specification's type #2, made
 * by ukify or kernel-install's uki layout): an EFI program, systemd-stub,
 * with the kernel, initrd and command line as PE sections. kexec_file_load
 * does not parse PE files, and kexec-tools reads UKIs only from 2.0.31 on
 * x86 (Debian 13 has 2.0.29), so kexec-reboot takes them apart itself.
 *
 * Pure parsing of the first bytes of the file; the file is read in
 * inspect.ts, the parts are written out in act/file-parts.ts.
 */
import type { Unusable } from '../unusable.js';

/** Bytes of a file: where they start and how many. */
export interface FileRange {
  readonly offset: number;
  readonly size: number;
}

/** Where a unified image keeps what kexec loads. */
export interface UnifiedParts {
  /** The .linux section: a kernel image (on x86 a bzImage, signed by itself where Secure Boot needs it). */
  readonly linux: FileRange;
  /** .ucode (CPU microcode, systemd 256 and later) then .initrd, concatenated in that order as systemd-stub does. */
  readonly initrds: readonly FileRange[];
}

/** Where the parts and the text sections are. */
export interface UnifiedImage {
  readonly parts: UnifiedParts;
  readonly cmdline?: FileRange;
  /** .osrel: the os-release(5) text systemd-boot names and sorts a type #2 entry by. */
  readonly osRelease?: FileRange;
}

interface PeSection {
  readonly name: string;
  /** The section's real size; SizeOfRawData is it rounded up to the file alignment. */
  readonly virtualSize: number;
  readonly rawSize: number;
  readonly rawOffset: number;
}

const SECTION_HEADER_BYTES = 40;
/** Far above Debian's kernels (about 10 MiB) and initrds (tens of MiB): what /run, a tmpfs, is asked to hold. */
const MAX_PART_BYTES = 1024 * 1024 * 1024;

/** The section table, or why the file is not a PE image whose table fits in `header`. */
function peSections(header: Buffer): readonly PeSection[] | { readonly notPe: string } {
  if (header.length < 0x40 || header.toString('latin1', 0, 2) !== 'MZ') return { notPe: 'no MZ header' };
  const pe = header.readUInt32LE(0x3c);
  if (pe + 24 > header.length || header.toString('latin1', pe, pe + 4) !== 'PE\0\0') return { notPe: 'no PE header' };
  const count = header.readUInt16LE(pe + 6);
  const table = pe + 24 + header.readUInt16LE(pe + 20);
  if (table + count * SECTION_HEADER_BYTES > header.length) return { notPe: 'its section table is cut short' };
  return Array.from({ length: count }, (_, i) => {
    const at = table + i * SECTION_HEADER_BYTES;
    return {
      name: header.toString('latin1', at, at + 8).replace(/\0.*$/s, ''),
      virtualSize: header.readUInt32LE(at + 8),
      rawSize: header.readUInt32LE(at + 16),
      rawOffset: header.readUInt32LE(at + 20),
    };
  });
}

/**
 * A section's contents by its real size (VirtualSize), never the padded raw
 * size: kexec-tools' own UKI reader took SizeOfRawData, and the padding it
 * loaded after the inner kernel broke that kernel's signature check.
 */
function contents(section: PeSection, fileSize: number): FileRange | Unusable {
  const { name, virtualSize, rawSize, rawOffset } = section;
  if (virtualSize === 0) return { unusable: `its ${name} section is empty` };
  if (virtualSize > rawSize) return { unusable: `its ${name} section claims ${virtualSize} bytes but holds ${rawSize}` };
  if (rawOffset + virtualSize > fileSize) return { unusable: `its ${name} section runs past the end of the file` };
  if (virtualSize > MAX_PART_BYTES) return { unusable: `its ${name} section claims ${virtualSize} bytes, more than kexec-reboot writes out` };
  return { offset: rawOffset, size: virtualSize };
}

/**
 * Where a unified image's parts are, from the first bytes of a file of
 * `fileSize` bytes; undefined when the file is no unified image (a plain
 * bzImage is a PE image too, with no .linux section).
 */
export function findUnifiedParts(header: Buffer, fileSize: number): UnifiedImage | Unusable | undefined {
  const sections = peSections(header);
  if ('notPe' in sections) return undefined;
  const named = (name: string) => sections.find((section) => section.name === name);
  const linuxSection = named('.linux');
  if (!linuxSection) return undefined;
  // Several profiles (systemd 257's .profile sections) each pick other sections: which one a boot uses is systemd-boot's menu's choice.
  if (named('.profile')) return { unusable: 'it is a multi-profile unified kernel image (.profile sections), which kexec-reboot does not take apart' };
  const linux = contents(linuxSection, fileSize);
  if ('unusable' in linux) return linux;
  const initrds: FileRange[] = [];
  for (const name of ['.ucode', '.initrd']) {
    const section = named(name);
    if (!section) continue;
    const range = contents(section, fileSize);
    if ('unusable' in range) return range;
    initrds.push(range);
  }
  const text: { cmdline?: FileRange; osRelease?: FileRange } = {};
  for (const [key, name] of [['cmdline', '.cmdline'], ['osRelease', '.osrel']] as const) {
    const section = named(name);
    if (!section) continue;
    const range = contents(section, fileSize);
    if ('unusable' in range) return range;
    text[key] = range;
  }
  return { parts: { linux, initrds }, ...text };
}

/** A text section's contents, up to a NUL (ukify and objcopy may pad them). */
export function sectionText(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return (nul < 0 ? bytes : bytes.subarray(0, nul)).toString('utf8').trim();
}
