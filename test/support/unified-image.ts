/**
 * Unified kernel images for tests, laid out as ukify lays them out: a PE32+
 * whose sections each start at a file-aligned offset with SizeOfRawData
 * rounded up to that alignment, VirtualSize the real size. The padding is
 * filled with 0xEE so that a reader taking the raw size shows it.
 */
const FILE_ALIGN = 0x200;
const HEADERS = 0x400;

export interface Section {
  readonly name: string;
  readonly data: Buffer | string;
  /** Claim another VirtualSize than the data's length. */
  readonly virtualSize?: number;
}

const align = (n: number) => Math.ceil(n / FILE_ALIGN) * FILE_ALIGN;

export function peWithSections(sections: readonly Section[]): Buffer {
  const datas = sections.map((s) => (typeof s.data === 'string' ? Buffer.from(s.data) : s.data));
  const size = HEADERS + datas.reduce((sum, d) => sum + align(d.length), 0);
  const image = Buffer.alloc(size, 0xee);
  image.fill(0, 0, HEADERS);
  image.write('MZ', 0, 'latin1');
  const pe = 0x80;
  image.writeUInt32LE(pe, 0x3c);
  image.write('PE\0\0', pe, 'latin1');
  image.writeUInt16LE(0x8664, pe + 4);
  image.writeUInt16LE(sections.length, pe + 6);
  image.writeUInt16LE(240, pe + 20);
  image.writeUInt16LE(0x20b, pe + 24);
  let at = HEADERS;
  sections.forEach((section, i) => {
    const header = pe + 24 + 240 + i * 40;
    const data = datas[i]!;
    image.write(section.name, header, 'latin1');
    image.writeUInt32LE(section.virtualSize ?? data.length, header + 8);
    image.writeUInt32LE(align(data.length), header + 16);
    image.writeUInt32LE(at, header + 20);
    data.copy(image, at);
    at += align(data.length);
  });
  return image;
}

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\nID=debian\n';

/** A UKI as ukify builds one from a kernel, an initrd and a command line (NUL-terminated, as ukify writes it). */
export function unifiedImage(parts: { linux: Buffer; initrd?: Buffer | string; ucode?: Buffer | string; cmdline?: string; osRelease?: string; extra?: readonly Section[] }): Buffer {
  return peWithSections([
    { name: '.osrel', data: parts.osRelease ?? OS_RELEASE },
    ...(parts.cmdline === undefined ? [] : [{ name: '.cmdline', data: `${parts.cmdline}\0` }]),
    ...(parts.ucode === undefined ? [] : [{ name: '.ucode', data: parts.ucode }]),
    ...(parts.initrd === undefined ? [] : [{ name: '.initrd', data: parts.initrd }]),
    ...(parts.extra ?? []),
    { name: '.linux', data: parts.linux },
  ]);
}
