// Guest root filesystems (mmdebstrap, cached per release + package list) and
// the per-run disk images (tarball + kexec-reboot .deb + test agent, made with
// mkfs.ext4 -d, no loop devices).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CACHE, REPO, progress, run, withArm64Binaries } from './host.mjs';
import { ESP_UUID, makeUefiDisk } from './uefi.mjs';
import { ARCHES } from './vm.mjs';

const RELEASES = {
  12: { codename: 'bookworm', keyring: '/usr/share/keyrings/debian-archive-bookworm-stable.gpg' },
  13: { codename: 'trixie', keyring: '/usr/share/keyrings/debian-archive-trixie-stable.gpg' },
};

const COMMON = ['linux-image-amd64', 'kexec-tools', 'nodejs', 'dbus', 'udev', 'procps', 'kmod', 'initramfs-tools'];
// Variants of a tree: 'grub' adds Debian's GRUB (grub-mkconfig, grub-reboot,
// grub-editenv; the BIOS and x86_64-efi module sets) for the GRUB and UEFI
// scenarios.
// 'kdump' is a server's usual company: Debian's kdump-tools
// (kdump-tools.service loads a crash kernel with `kexec -p` at boot;
// makedumpfile comes with it) and molly-guard (which diverts reboot and
// coldreboot to put its checks in front of them).
// 'secureboot' boots as a Secure Boot server does: Debian's signed shim and
// GRUB on the ESP (see uefi.mjs), mokutil to read the state, and sbsigntool
// to make an unsigned copy of the (signed) kernel.
// 'fleet' is a host as Ansible reaches it (test/fleet): sshd, the Python
// Ansible's modules run with, and molly-guard, which guards reboots asked
// for over SSH.
// 'sdboot' boots systemd-boot, no GRUB: Debian's systemd-boot (bootctl,
// kernel-install's hooks for the kernel packages) with its EFI binaries, and
// ukify to build a unified kernel image (see TREE_EXTRAS).
const VARIANTS = {
  grub: ['grub2-common', 'grub-pc-bin', 'grub-efi-amd64-bin'],
  secureboot: ['grub2-common', 'grub-efi-amd64-bin', 'grub-efi-amd64-signed', 'shim-signed', 'mokutil', 'sbsigntool'],
  kdump: ['kdump-tools', 'molly-guard'],
  fleet: ['openssh-server', 'python3', 'molly-guard'],
  sdboot: ['systemd-boot', 'systemd-boot-efi', 'systemd-ukify'],
};

// A fixed root filesystem UUID for the GRUB and systemd-boot disks (grub.cfg
// and the boot entries say root=UUID=).
export const GRUB_ROOT_UUID = '6b7c3f2e-4d1a-4e8b-9c0d-1a2b3c4d5e6f';

/**
 * What a variant's tree needs besides its packages, all of it in the cache
 * key: suites (suffixes of the codename) to take packages from too; shell
 * run before the packages are installed (`essential`, $1 the tree); a script
 * of test/vm/guest run at the end (`customize`: $1 the tree, then `args`),
 * with the guest files it copies (`uses`); keepMachineId: the tree keeps the
 * machine ID it was built with (mmdebstrap would empty it, and the first
 * boot would make another).
 * 'sdboot': no /vmlinuz and /initrd.img (do_symlinks = no, set before the
 * kernel package's postinst reads it), and guest/krvm-sdboot-tree: systemd-boot
 * and each kernel on the ESP, a UKI, the backports kernel's packages. Its
 * entries are named after the machine ID and carry it, and kernel-install in
 * the VM must name and sort a new one the same way.
 */
const TREE_EXTRAS = {
  sdboot: {
    suites: ['-backports'],
    essential: 'printf "do_symlinks = no\\n" > "$1/etc/kernel-img.conf"',
    customize: 'krvm-sdboot-tree',
    uses: ['krvm-entry-marker.install'],
    args: (codename) => [GRUB_ROOT_UUID, codename],
    keepMachineId: true,
  },
};
// arm64 (Debian's port, built under qemu-user emulation): the same tree
// with its own kernel package.
const KERNEL_PACKAGE = { amd64: 'linux-image-amd64', arm64: 'linux-image-arm64' };
function packageList(init, variant, arch = 'amd64') {
  const common = COMMON.map((p) => (p === KERNEL_PACKAGE.amd64 ? KERNEL_PACKAGE[arch] : p));
  const base = init === 'sysvinit'
    ? [...common, 'sysvinit-core', 'sysv-rc', 'initscripts']
    : [...common, 'systemd-sysv', 'libpam-systemd'];
  return variant ? [...base, ...VARIANTS[variant]] : base;
}

// A small initrd (virtio + ext4 only) keeps `kexec -l` (SHA-256 in purgatory,
// slow under TCG) and initrd unpacking short; nothing else about the guest
// depends on it.
const ESSENTIAL_HOOK = [
  'mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d"',
  'echo MODULES=list > "$1/etc/initramfs-tools/conf.d/krvm"',
  'printf "virtio_pci\\nvirtio_blk\\next4\\n" > "$1/usr/share/initramfs-tools/modules.d/krvm"',
].join('; ');

function keyringFor(release) {
  const k = RELEASES[release].keyring;
  return fs.existsSync(k) ? k : '/usr/share/keyrings/debian-archive-keyring.gpg';
}

/**
 * The cached root filesystem tarball for (release, init), built when absent.
 * arch: Debian's architecture name; 'arm64' is built with mmdebstrap
 * --arch=arm64, its maintainer scripts run by qemu-user (withArm64Binaries).
 */
export async function baseTarball({ release, init, mirror, variant, arch = 'amd64' }) {
  const { codename } = RELEASES[release];
  const pkgs = packageList(init, variant, arch);
  const foreign = arch !== 'amd64';
  const tag = `debian${release}/${init}${variant ? `+${variant}` : ''}${foreign ? ` ${arch}` : ''}`;
  const stem = `debian${release}-${init}${variant ? `-${variant}` : ''}${foreign ? `-${arch}` : ''}`;
  const extras = TREE_EXTRAS[variant];
  const guestFile = (name) => path.join(REPO, 'test', 'vm', 'guest', name);
  const essentialHook = extras?.essential ? `${ESSENTIAL_HOOK}; ${extras.essential}` : ESSENTIAL_HOOK;
  const customize = extras && [guestFile(extras.customize), ...extras.args(codename)];
  // The guest files by content, not path: every checkout shares the cache.
  const scripts = extras && [extras.customize, ...extras.uses].map((f) => fs.readFileSync(guestFile(f), 'utf8'));
  const key = crypto
    .createHash('sha256')
    .update(JSON.stringify({ codename, pkgs, ESSENTIAL_HOOK, mirror, v: 1, ...(extras && { extras, args: customize.slice(1), scripts }), ...(foreign && { arch }) }))
    .digest('hex')
    .slice(0, 12);
  const tar = path.join(CACHE, `${stem}-${key}.tar`);
  if (fs.existsSync(tar) && process.env.KRVM_REBUILD !== '1') {
    progress(`${tag}: cached root filesystem ${path.relative(REPO, tar)}`);
    return tar;
  }
  progress(`${tag}: mmdebstrap ${codename} (${pkgs.length} packages)...`);
  const started = Date.now();
  const tmp = `${tar}.tmp`;
  const build = () => run(
    'mmdebstrap',
    [
      '--variant=apt',
      ...(foreign ? [`--arch=${arch}`] : []),
      '--mode=root',
      `--keyring=${keyringFor(release)}`,
      `--include=${pkgs.join(',')}`,
      `--essential-hook=${essentialHook}`,
      ...(customize ? [`--customize-hook=sh '${customize[0]}' "$1" ${customize.slice(1).map((a) => `'${a}'`).join(' ')}`] : []),
      ...(extras?.keepMachineId ? ['--skip=cleanup/reproducible'] : []),
      '--format=tar',
      codename,
      tmp,
      ...[codename, ...(extras?.suites ?? []).map((s) => codename + s)].map((suite) => `deb ${mirror} ${suite} main`),
    ],
    { logFile: path.join(CACHE, `mmdebstrap-${stem}.log`) },
  );
  await (arch === 'arm64' ? withArm64Binaries(build) : build());
  fs.renameSync(tmp, tar);
  progress(`${tag}: root filesystem built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return tar;
}

/** Copies /boot/vmlinuz-* and initrd.img-* out of a tarball: { kernel, initrd, uname }. */
export async function extractKernel(tar, dir) {
  fs.mkdirSync(dir, { recursive: true });
  await run('tar', ['-xf', tar, '-C', dir, '--wildcards', './boot/vmlinuz-*', './boot/initrd.img-*']);
  const boot = path.join(dir, 'boot');
  const vmlinuz = fs.readdirSync(boot).filter((f) => f.startsWith('vmlinuz-')).sort().pop();
  const uname = vmlinuz.slice('vmlinuz-'.length);
  return { kernel: path.join(boot, vmlinuz), initrd: path.join(boot, `initrd.img-${uname}`), uname };
}

/**
 * Makes a bootable disk image for one VM run: the tarball unpacked, the
 * package installed, the agent and its step scripts in place.
 * steps: array of shell snippets, steps[i] runs on boot i+1.
 * alt: { kernel, initrd, uname } copied to /boot/vmlinuz-krvm-alt, /boot/initrd.img-krvm-alt
 *   (with grub: under its real name, /boot/vmlinuz-UNAME, so GRUB lists it).
 *   /etc/krvm/env tells the steps where it is (KRVM_ALT_KERNEL, ...).
 * grub: { uuid } runs Debian's grub-mkconfig in the tree (device probing
 *   faked: / is the filesystem with that UUID).
 * rootUuid: the UUID mkfs gives / and /etc/fstab names it by (grub's, unless
 *   given).
 * prepare: shell run in the tree under chroot after the install (bench, kdump).
 * files: { NAME: PATH } copies test/vm/guest/NAME to PATH in the tree (mode 755) before that.
 * deb: null installs no package (the harness self-test; the fleet test, whose
 *   Ansible role installs it).
 * layout: 'whole' (ext4 on the whole disk, direct kernel boot), 'uefi'
 *   (GPT: ESP with GRUB's EFI/BOOT/BOOTX64.EFI + ext4 root; see uefi.mjs),
 *   'secureboot' (the same with Debian's signed shim and GRUB on the ESP) or
 *   'sdboot' (the ESP is the tree's /boot/efi, as bootctl and kernel-install
 *   filled it, mounted there by /etc/fstab).
 *   Under 'secureboot' GRUB does not list alt: it would be the newest kernel
 *   on Debian 12 and boot first.
 * arch: the tree's architecture (ARCHES in vm.mjs). arm64: the install runs
 *   under qemu-user (withArm64Binaries), and the agent writes to the serial
 *   console ttyAMA0 (/etc/krvm/console), where no getty runs.
 */
export async function makeDisk({ tar, init, deb, steps, alt, dir, name, grub = null, rootUuid = grub?.uuid ?? null, layout = 'whole', prepare = null, files = {}, arch = 'amd64' }) {
  const { console } = ARCHES[arch];
  const tree = path.join(dir, `${name}.tree`);
  const disk = path.join(dir, `${name}.img`);
  fs.rmSync(tree, { recursive: true, force: true });
  fs.mkdirSync(tree, { recursive: true });
  await run('tar', ['-xf', tar, '-C', tree]);
  const w = (p, text, mode = 0o644) => {
    const f = path.join(tree, p);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text, { mode });
    fs.chmodSync(f, mode);
  };
  const guest = path.join(REPO, 'test', 'vm', 'guest');
  w('etc/hostname', 'krvm\n');
  w('etc/hosts', '127.0.0.1 localhost\n127.0.1.1 krvm\n');
  w('etc/fstab', '/dev/vda / ext4 rw,errors=remount-ro 0 0\n');
  w('usr/local/sbin/krvm-boot', fs.readFileSync(path.join(guest, 'krvm-boot')), 0o755);
  if (console !== 'ttyS0') w('etc/krvm/console', `/dev/${console}\n`);
  steps.forEach((s, i) => w(`etc/krvm/steps/${i + 1}.sh`, s.endsWith('\n') ? s : `${s}\n`));
  for (const [file, to] of Object.entries(files)) w(to, fs.readFileSync(path.join(guest, file)), 0o755);
  const grubListsAlt = grub && layout !== 'secureboot';
  const placeAlt = () => {
    const base = grubListsAlt ? alt.uname : 'krvm-alt';
    fs.copyFileSync(alt.kernel, path.join(tree, `boot/vmlinuz-${base}`));
    fs.copyFileSync(alt.initrd, path.join(tree, `boot/initrd.img-${base}`));
    w('etc/krvm/env', `KRVM_ALT_KERNEL=boot/vmlinuz-${base}\nKRVM_ALT_INITRD=boot/initrd.img-${base}\nKRVM_ALT_UNAME=${alt.uname}\n`);
  };
  if (alt && (!grub || grubListsAlt)) placeAlt();
  if (rootUuid) w('etc/fstab', `UUID=${rootUuid} / ext4 rw,errors=remount-ro 0 0\n${layout === 'sdboot' ? `UUID=${ESP_UUID} /boot/efi vfat umask=0077 0 1\n` : ''}`);
  if (init === 'systemd') {
    fs.mkdirSync(path.join(tree, 'var/log/journal'), { recursive: true });
    w('etc/systemd/system/krvm.service', fs.readFileSync(path.join(guest, 'krvm.service')));
    const wants = path.join(tree, 'etc/systemd/system/multi-user.target.wants');
    fs.mkdirSync(wants, { recursive: true });
    fs.symlinkSync('/etc/systemd/system/krvm.service', path.join(wants, 'krvm.service'));
    // The agent owns ttyS0; a login prompt there would only add noise.
    for (const unit of [`serial-getty@${console}.service`, 'getty@tty1.service', 'apt-daily.timer', 'apt-daily-upgrade.timer', 'e2scrub_reap.service']) {
      fs.symlinkSync('/dev/null', path.join(tree, 'etc/systemd/system', unit));
    }
  } else {
    w('etc/init.d/krvm', fs.readFileSync(path.join(guest, 'krvm.init')), 0o755);
    // No gettys on the serial line or virtual consoles.
    const inittab = path.join(tree, 'etc/inittab');
    if (fs.existsSync(inittab)) {
      const text = fs.readFileSync(inittab, 'utf8').replace(/^([^#\n]*:respawn:\/sbin\/getty.*)$/gm, '#$1');
      fs.writeFileSync(inittab, text);
    }
  }

  // Install the package the way an admin would: dpkg -i in the system.
  // deb === null only for the harness self-test (no package, no scenarios).
  if (deb) fs.copyFileSync(deb, path.join(tree, 'tmp/kexec-reboot.deb'));
  w('usr/sbin/policy-rc.d', '#!/bin/sh\nexit 101\n', 0o755);
  const script = [
    'set -e',
    'T="$1"',
    'mount -t proc proc "$T/proc"',
    'mount -t sysfs sysfs "$T/sys"',
    'mount --rbind /dev "$T/dev"',
    'export DEBIAN_FRONTEND=noninteractive',
    ...(deb
      ? [
          'chroot "$T" dpkg -i /tmp/kexec-reboot.deb || { cp /etc/resolv.conf "$T/etc/resolv.conf"; chroot "$T" apt-get -y -f install; }',
          'chroot "$T" dpkg -s kexec-reboot | grep -q "^Status: install ok installed"',
        ]
      : []),
    init === 'sysvinit' ? 'chroot "$T" update-rc.d krvm defaults' : 'true',
    ...(prepare ? ['chroot "$T" sh -e /tmp/krvm-prepare.sh', 'rm -f "$T/tmp/krvm-prepare.sh"'] : []),
  ].join('\n');
  if (prepare) w('tmp/krvm-prepare.sh', prepare);
  const log = path.join(dir, `${name}.install.log`);
  const install = () => run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', tree], { logFile: log });
  await (arch === 'arm64' ? withArm64Binaries(install) : install());
  fs.rmSync(path.join(tree, 'usr/sbin/policy-rc.d'));
  fs.rmSync(path.join(tree, 'tmp/kexec-reboot.deb'), { force: true });

  // Baseline the agent puts back on every boot; the links only where the
  // kernel packages made them (not with do_symlinks = no).
  const orig = path.join(tree, 'var/lib/krvm/orig');
  fs.mkdirSync(orig, { recursive: true });
  if (fs.existsSync(path.join(tree, 'etc/default/kexec'))) {
    fs.copyFileSync(path.join(tree, 'etc/default/kexec'), path.join(orig, 'default-kexec'));
  }
  for (const link of ['vmlinuz', 'initrd.img']) {
    if (fs.lstatSync(path.join(tree, link), { throwIfNoEntry: false })?.isSymbolicLink()) fs.writeFileSync(path.join(orig, link), fs.readlinkSync(path.join(tree, link)));
  }

  if (grub) await grubMkconfig({ tree, uuid: grub.uuid, device: layout === 'whole' ? '/dev/vda' : '/dev/vda2', log });
  if (alt && grub && !grubListsAlt) placeAlt();

  fs.rmSync(disk, { force: true });
  if (layout !== 'whole') {
    await makeUefiDisk({ tree, disk, uuid: rootUuid, dir, name, log, layout });
  } else {
    await run('mkfs.ext4', ['-q', '-F', '-L', 'krvm', ...(rootUuid ? ['-U', rootUuid] : []), '-d', tree, disk, '3G']);
  }
  fs.rmSync(tree, { recursive: true, force: true });
  return disk;
}


/**
 * Debian's own grub-mkconfig, run in the tree under chroot. The tree is not
 * on a disk GRUB could probe, so only device probing is faked (as in
 * test/boot-target/bootloader/fixtures/generate.sh): grub-probe says / is DEVICE, ext4
 * with UUID, on a GPT disk. /etc/default/grub is Debian's, with the serial
 * console on the kernel command line, no `quiet` (the host reads the
 * kernel's "Linux version" line) and GRUB's own output on the firmware
 * console (which OVMF copies to the serial line) instead of gfxterm. The
 * menu keeps Debian's default 5 s timeout.
 */
async function grubMkconfig({ tree, uuid, device, log }) {
  const dg = path.join(tree, 'etc/default/grub');
  // Debian's template, which grub-pc's and grub-efi-amd64's postinst copy there.
  if (!fs.existsSync(dg)) fs.copyFileSync(path.join(tree, 'usr/share/grub/default/grub'), dg);
  let text = fs.readFileSync(dg, 'utf8');
  text = text
    .replace(/^GRUB_CMDLINE_LINUX_DEFAULT=.*$/m, 'GRUB_CMDLINE_LINUX_DEFAULT=""')
    .replace(/^GRUB_CMDLINE_LINUX=.*$/m, 'GRUB_CMDLINE_LINUX="console=ttyS0 panic=10"')
    .replace(/^#?GRUB_TERMINAL=.*$/m, 'GRUB_TERMINAL=console');
  fs.writeFileSync(dg, text);
  const part = device.replace(/^\/dev\/vda/, '') || '';
  const drive = part ? `(hd0,gpt${part})` : '(hd0)';
  const probe = `#!/bin/sh
# Fake grub-probe (kexec-reboot VM tests): / is ${device}, ext4, UUID ${uuid}.
target=; while [ $# -gt 0 ]; do case "$1" in --target=*) target=\${1#--target=} ;; -t|--target) shift; target=$1 ;; esac; shift; done
case "$target" in
  device) echo ${device} ;;
  fs) echo ext2 ;;
  fs_uuid) echo ${uuid} ;;
  fs_label) echo krvm ;;
  partuuid) echo "" ;;
  partmap) ${part ? 'echo gpt' : 'echo ""'} ;;
  abstraction|cryptodisk_uuid) echo "" ;;
  drive) echo "${drive}" ;;
  compatibility_hint) echo "${drive.slice(1, -1)}" ;;
  hints_string) echo "--hint-bios=${drive.slice(1, -1)} --hint-efi=${drive.slice(1, -1)} --hint-baremetal=ahci0${part ? `,gpt${part}` : ''} " ;;
  disk) echo /dev/vda ;;
  *) echo "fake grub-probe: unknown target $target" >&2; exit 1 ;;
esac
`;
  const script = [
    'set -e',
    'T="$1"',
    'mount -t proc proc "$T/proc"',
    'mount -t sysfs sysfs "$T/sys"',
    'mv "$T/usr/sbin/grub-probe" "$T/usr/sbin/grub-probe.real"',
    'mv "$T/usr/bin/grub-mkrelpath" "$T/usr/bin/grub-mkrelpath.real"',
    "cat > \"$T/usr/sbin/grub-probe\" <<'PROBE'",
    probe.trimEnd(),
    'PROBE',
    `printf '#!/bin/sh\\necho "$1"\\n' > "$T/usr/bin/grub-mkrelpath"`,
    'chmod 755 "$T/usr/sbin/grub-probe" "$T/usr/bin/grub-mkrelpath"',
    // grub-mkconfig writes root=UUID= only when /dev/disk/by-uuid/UUID exists.
    `mkdir -p "$T/dev/disk/by-uuid" && touch "$T/dev/disk/by-uuid/${uuid}"`,
    '[ -e "$T/dev/null" ] || mknod -m 666 "$T/dev/null" c 1 3',
    'mkdir -p "$T/boot/grub"',
    'chroot "$T" grub-mkconfig -o /boot/grub/grub.cfg',
    'chroot "$T" grub-editenv /boot/grub/grubenv create',
    'rm -rf "$T/dev/disk"',
    'mv -f "$T/usr/sbin/grub-probe.real" "$T/usr/sbin/grub-probe"',
    'mv -f "$T/usr/bin/grub-mkrelpath.real" "$T/usr/bin/grub-mkrelpath"',
  ].join('\n');
  await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', tree], { logFile: log });
  const cfg = fs.readFileSync(path.join(tree, 'boot/grub/grub.cfg'), 'utf8');
  if (!cfg.includes(`root=UUID=${uuid}`)) throw new Error(`grub-mkconfig wrote no root=UUID=${uuid} entry (see ${log})`);
}
