// A disk that boots like a real server's: GPT with an EFI system partition
// holding GRUB (EFI/BOOT/BOOTX64.EFI, the removable-media path OVMF finds on
// its own) and an ext4 root holding Debian's /boot/grub/grub.cfg. No loop
// devices: sfdisk partitions an image file, mkfs.ext4 -d -E offset= fills the
// root in place, mkfs.vfat + mtools build the ESP in a side file that dd
// copies to its offset.
import fs from 'node:fs';
import path from 'node:path';
import { run } from './host.mjs';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

const MiB = 1024 * 1024;
const ESP_MIB = 64;
const ROOT_MIB = 3072;

/**
 * GRUB for the ESP, made in the guest tree by its own grub-mkstandalone
 * (x86_64-efi). The embedded grub.cfg finds the root by UUID and hands over
 * to the grub.cfg grub-mkconfig wrote there, with $prefix on the root (as
 * grub-install sets it), where the x86_64-efi modules and grubenv are.
 */
async function makeGrubEfi({ tree, uuid, log }) {
  const embedded = [
    'insmod part_gpt',
    'insmod ext2',
    `search --no-floppy --fs-uuid --set=root ${uuid}`,
    'set prefix=($root)/boot/grub',
    'configfile $prefix/grub.cfg',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(tree, 'tmp/krvm-embedded.cfg'), embedded);
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

export async function makeUefiDisk({ tree, disk, uuid, dir, name, log }) {
  const efi = await makeGrubEfi({ tree, uuid, log });
  const efiCopy = path.join(dir, `${name}.BOOTX64.EFI`);
  fs.renameSync(efi, efiCopy);

  const espStart = 1 * MiB;
  const rootStart = espStart + ESP_MIB * MiB;
  const total = rootStart + ROOT_MIB * MiB + 1 * MiB; // + the backup GPT
  fs.rmSync(disk, { force: true });
  fs.closeSync(fs.openSync(disk, 'w'));
  fs.truncateSync(disk, total);
  await run('sfdisk', ['--quiet', disk], {
    input: [
      'label: gpt',
      `start=${espStart / 512}, size=${(ESP_MIB * MiB) / 512}, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"`,
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
  await run('mkfs.vfat', ['-F', '32', '-n', 'ESP', '-C', esp, String(ESP_MIB * 1024)], { logFile: log });
  await run('mmd', ['-i', esp, '::/EFI', '::/EFI/BOOT'], { logFile: log });
  await run('mcopy', ['-i', esp, efiCopy, '::/EFI/BOOT/BOOTX64.EFI'], { logFile: log });
  await run('dd', [`if=${esp}`, `of=${disk}`, 'bs=1M', `seek=${espStart / MiB}`, 'conv=notrunc'], { logFile: log });
  fs.rmSync(esp);
  fs.rmSync(efiCopy);
  return disk;
}

/** A fresh copy of OVMF's variable store for one VM (pflash unit 1). */
export function ovmfVars(dir, name) {
  const vars = path.join(dir, `${name}.OVMF_VARS.fd`);
  fs.copyFileSync(OVMF_VARS, vars);
  return vars;
}
