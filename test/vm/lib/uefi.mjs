// A disk that boots like a real server's: GPT with an EFI system partition
// holding GRUB (EFI/BOOT/BOOTX64.EFI, the removable-media path OVMF finds on
// its own) and an ext4 root holding Debian's /boot/grub/grub.cfg. Or, with
// systemd-boot, the ESP bootctl and kernel-install filled: systemd-boot as
// EFI/BOOT/BOOTX64.EFI, loader/, the kernels and initrds. Under
// Secure Boot the ESP holds what a Debian install has: the signed shim as
// BOOTX64.EFI, Debian's signed GRUB beside it (shim loads grubx64.efi from
// its own directory) and EFI/debian/grub.cfg, the stub that signed GRUB reads
// (its built-in prefix is /EFI/debian) and that grub-install would write. No loop
// devices: sfdisk partitions an image file, mkfs.ext4 -d -E offset= fills the
// root in place, mkfs.vfat + mtools build the ESP in a side file that dd
// copies to its offset.
import fs from 'node:fs';
import path from 'node:path';
import { run } from './host.mjs';

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
// Secure Boot: the SMM build, with Microsoft's keys enrolled (which sign shim).
const OVMF_CODE_SECBOOT = '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd';
const OVMF_VARS_MS = '/usr/share/OVMF/OVMF_VARS_4M.ms.fd';

const MiB = 1024 * 1024;
// The ESP per layout: systemd-boot's holds every kernel and initrd
// (kernel-install copies them there) and a unified kernel image, 25 MB each.
const ESP_MIB = { uefi: 64, secureboot: 64, sdboot: 256 };
const ROOT_MIB = 3072;
/** The ESP's FAT volume ID (mkfs.vfat -i), as /etc/fstab names it. */
export const ESP_UUID = '4B52-564D';

/**
 * GRUB for the ESP, made in the guest tree by its own grub-mkstandalone
 * (x86_64-efi). The embedded grub.cfg finds the root by UUID and hands over
 * to the grub.cfg grub-mkconfig wrote there, with $prefix on the root (as
 * grub-install sets it), where the x86_64-efi modules and grubenv are.
 */
const grubStub = (uuid) =>
  [
    'insmod part_gpt',
    'insmod ext2',
    `search --no-floppy --fs-uuid --set=root ${uuid}`,
    'set prefix=($root)/boot/grub',
    'configfile $prefix/grub.cfg',
    '',
  ].join('\n');

async function makeGrubEfi({ tree, uuid, log }) {
  fs.writeFileSync(path.join(tree, 'tmp/krvm-embedded.cfg'), grubStub(uuid));
  const script = [
    'set -e',
    'T="$1"',
    '[ -e "$T/dev/null" ] || mknod -m 666 "$T/dev/null" c 1 3',
    'mkdir -p "$T/boot/grub"',
    'cp -a "$T/usr/lib/grub/x86_64-efi" "$T/boot/grub/"',
    'chroot "$T" grub-mkstandalone -O x86_64-efi -o /tmp/BOOTX64.EFI "boot/grub/grub.cfg=/tmp/krvm-embedded.cfg"',
  ].join('\n');
  await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', tree], { logFile: log });
  const efi = path.join(tree, 'tmp/BOOTX64.EFI');
  const out = `${efi}.out`;
  fs.renameSync(efi, out);
  fs.rmSync(path.join(tree, 'tmp/krvm-embedded.cfg'));
  return out;
}

/**
 * The ESP's files ({ 'EFI/BOOT/BOOTX64.EFI': hostPath, ... }), a folder
 * copied to it whole, and which of them were made for it.
 */
async function espFiles({ tree, uuid, dir, name, log, layout }) {
  if (layout === 'sdboot') {
    // The tree's /boot/efi (guest/krvm-sdboot-tree), moved out: there the
    // root filesystem has the ESP's empty mount point.
    const folder = path.join(dir, `${name}.esp-tree`);
    fs.rmSync(folder, { recursive: true, force: true });
    fs.renameSync(path.join(tree, 'boot/efi'), folder);
    fs.mkdirSync(path.join(tree, 'boot/efi'));
    return { files: {}, folder, made: [folder] };
  }
  if (layout === 'uefi') {
    const efiCopy = path.join(dir, `${name}.BOOTX64.EFI`);
    fs.renameSync(await makeGrubEfi({ tree, uuid, log }), efiCopy);
    return { files: { 'EFI/BOOT/BOOTX64.EFI': efiCopy }, made: [efiCopy] };
  }
  const stub = path.join(dir, `${name}.grub-stub.cfg`);
  fs.writeFileSync(stub, grubStub(uuid));
  const files = {
    'EFI/BOOT/BOOTX64.EFI': path.join(tree, 'usr/lib/shim/shimx64.efi.signed'),
    'EFI/BOOT/mmx64.efi': path.join(tree, 'usr/lib/shim/mmx64.efi.signed'),
    'EFI/BOOT/grubx64.efi': path.join(tree, 'usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed'),
    'EFI/debian/grub.cfg': stub,
  };
  return { files, made: [stub] };
}

/** layout: 'uefi' (GRUB), 'secureboot' (shim and signed GRUB) or 'sdboot' (systemd-boot). */
export async function makeUefiDisk({ tree, disk, uuid, dir, name, log, layout }) {
  const { files, folder, made } = await espFiles({ tree, uuid, dir, name, log, layout });
  const espMiB = ESP_MIB[layout];

  const espStart = 1 * MiB;
  const rootStart = espStart + espMiB * MiB;
  const total = rootStart + ROOT_MIB * MiB + 1 * MiB; // + the backup GPT
  fs.rmSync(disk, { force: true });
  fs.closeSync(fs.openSync(disk, 'w'));
  fs.truncateSync(disk, total);
  await run('sfdisk', ['--quiet', disk], {
    input: [
      'label: gpt',
      `start=${espStart / 512}, size=${(espMiB * MiB) / 512}, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"`,
      `start=${rootStart / 512}, size=${(ROOT_MIB * MiB) / 512}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"`,
      '',
    ].join('\n'),
    logFile: log,
  });

  // Root: ext4 written in place at its partition's offset.
  await run('mkfs.ext4', ['-q', '-F', '-L', 'krvm', '-U', uuid, '-d', tree, '-E', `offset=${rootStart}`, disk, `${ROOT_MIB * 1024}k`], { logFile: log });
  if (fs.statSync(disk).size !== total) throw new Error(`mkfs.ext4 -E offset changed the disk size (${fs.statSync(disk).size} != ${total})`);

  // ESP: FAT in a side file, then copied to its offset.
  const esp = path.join(dir, `${name}.esp`);
  fs.rmSync(esp, { force: true });
  await run('mkfs.vfat', ['-F', '32', '-n', 'ESP', '-i', ESP_UUID.replace('-', ''), '-C', esp, String(espMiB * 1024)], { logFile: log });
  const dirs = [...new Set(Object.keys(files).map((f) => path.dirname(f)))];
  if (dirs.length) await run('mmd', ['-i', esp, '::/EFI', ...dirs.map((d) => `::/${d}`)], { logFile: log });
  for (const [to, from] of Object.entries(files)) {
    if (!fs.existsSync(from)) throw new Error(`${path.relative(tree, from)} is not in the guest tree: cannot make the ESP`);
    await run('mcopy', ['-i', esp, from, `::/${to}`], { logFile: log });
  }
  if (folder) await run('mcopy', ['-s', '-i', esp, ...fs.readdirSync(folder).map((f) => path.join(folder, f)), '::/'], { logFile: log });
  await run('dd', [`if=${esp}`, `of=${disk}`, 'bs=1M', `seek=${espStart / MiB}`, 'conv=notrunc'], { logFile: log });
  fs.rmSync(esp);
  for (const file of made) fs.rmSync(file, { recursive: true });
  return disk;
}

/**
 * AAVMF (qemu-efi-aarch64) for one arm64 VM, in runVM's uefi shape: the
 * firmware a `virt` server boots through; it loads QEMU's -kernel itself
 * (fw_cfg) and starts the kernel's EFI stub, ACPI tables and all.
 */
export function aavmfFor(dir, name) {
  const vars = path.join(dir, `${name}.AAVMF_VARS.fd`);
  fs.copyFileSync('/usr/share/AAVMF/AAVMF_VARS.fd', vars);
  return { code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars, secureBoot: false };
}

/** OVMF for one VM: { code, vars (a fresh copy of the variable store, pflash unit 1), secureBoot }. */
export function ovmfFor(dir, name, { secureBoot = false } = {}) {
  const vars = path.join(dir, `${name}.OVMF_VARS.fd`);
  fs.copyFileSync(secureBoot ? OVMF_VARS_MS : OVMF_VARS, vars);
  return { code: secureBoot ? OVMF_CODE_SECBOOT : OVMF_CODE, vars, secureBoot };
}
