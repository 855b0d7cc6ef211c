/**
 * Whether a file is a kernel image the running machine can kexec, from its
 * first bytes (pure; the file is read in inspect.ts). Each architecture
 * Debian ships kexec-tools for boots its own format: a bzImage on x86, an
 * arm64 Image (named vmlinuz, uncompressed, an EFI PE too) on arm64. Anything
 * kexec-reboot cannot judge is refused, so that a reboot goes through the
 * firmware rather than into a kernel that cannot start.
 */

/** The running kernel, as far as its images must match it. */
export interface KernelTarget {
  /** `uname -m`: x86_64, aarch64, ... */
  readonly machine: string;
  /** arm64: the running kernel's page size in KiB (4, 16 or 64), when known. */
  readonly pageSizeKiB?: number;
}

/** Bytes of the header the checks read: the largest offset they look at, and some. */
export const KERNEL_HEADER_BYTES = 0x240;

const BZIMAGE_MAGIC_OFFSET = 0x202;
const BZIMAGE_MAGIC = 'HdrS';
/** arm64 Image header (Documentation/arch/arm64/booting.rst): flags at 0x30, "ARM\x64" at 0x38. */
const ARM64_FLAGS_OFFSET = 0x30;
const ARM64_MAGIC_OFFSET = 0x38;
const ARM64_MAGIC = 'ARM\x64';
const ARM64_PAGE_SIZES_KIB = [undefined, 4, 16, 64] as const;

const isBzImage = (header: Buffer) => header.toString('latin1', BZIMAGE_MAGIC_OFFSET, BZIMAGE_MAGIC_OFFSET + 4) === BZIMAGE_MAGIC;
const isArm64Image = (header: Buffer) => header.toString('latin1', ARM64_MAGIC_OFFSET, ARM64_MAGIC_OFFSET + 4) === ARM64_MAGIC;
/** EFI zboot (CONFIG_EFI_ZBOOT): a compressed kernel in a PE wrapper, "zimg" after "MZ". Debian builds none; kexec-tools reads it only from 2.0.28. */
const isZboot = (header: Buffer) => header.toString('latin1', 0, 2) === 'MZ' && header.toString('latin1', 4, 8) === 'zimg';

/** What a file that is not the kernel this machine wants is, when it is a kernel at all. */
function whatItIs(header: Buffer): string | undefined {
  if (isBzImage(header)) return 'an x86 bzImage';
  if (isArm64Image(header)) return 'an arm64 Image';
  if (isZboot(header)) return 'an EFI zboot image (a compressed kernel, which Debian does not build and kexec-reboot does not load)';
  return undefined;
}

const wrongKind = (header: Buffer, wanted: string, noHeader: string) => {
  const kind = whatItIs(header);
  return kind ? `${kind}, not ${wanted}` : `not a Linux kernel image (${noHeader})`;
};

function whyNotArm64(header: Buffer, target: KernelTarget): string | undefined {
  if (!isArm64Image(header)) return wrongKind(header, 'an arm64 Image', 'no arm64 Image header');
  const flags = header.readUInt32LE(ARM64_FLAGS_OFFSET);
  if (flags & 1) return 'a big-endian arm64 Image; the running kernel is little-endian';
  const pageSize = ARM64_PAGE_SIZES_KIB[(flags >> 1) & 3];
  if (pageSize !== undefined && target.pageSizeKiB !== undefined && pageSize !== target.pageSizeKiB) {
    return `an arm64 Image for ${pageSize} KiB pages; the running kernel uses ${target.pageSizeKiB} KiB pages`;
  }
  return undefined;
}

/** Why the image cannot be kexec'd on this machine, in words that follow "<file> is "; undefined when it can. */
export function whyNotBootable(header: Buffer, target: KernelTarget): string | undefined {
  switch (target.machine) {
    case 'x86_64':
      return isBzImage(header) ? undefined : wrongKind(header, 'an x86 bzImage', 'no bzImage header');
    case 'aarch64':
      return whyNotArm64(header, target);
    default:
      return `a kernel for ${target.machine}, whose image format kexec-reboot does not check (it knows x86_64 and aarch64)`;
  }
}
