import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { systemRoot, type SystemRoot } from '../../src/host/system-root.js';
import type { Programs } from '../../src/host/programs.js';

/**
 * How the fake kexec behaves on `-l`: load, fail like a refused image, hang,
 * claim success without loading, or (no-file-load) answer -s as kexec-tools
 * does when the kernel lacks kexec_file_load and load with -c.
 */
export type FakeKexecMode = 'ok' | 'fail' | 'eperm' | 'hang' | 'lie' | 'no-file-load';

/** One run of a fake program: its argv, and what it saw of the system at the time. */
export interface Invocation {
  readonly argv: string[];
}

/** A system tree and the means to change it, by system path. */
export interface FakeTree {
  readonly dir: string;
  readonly root: SystemRoot;
  write(systemPath: string, content: string | Uint8Array): void;
  link(systemPath: string, target: string): void;
  remove(systemPath: string): void;
  read(systemPath: string): string;
  exists(systemPath: string): boolean;
}

export interface FakeRoot extends FakeTree {
  readonly programs: Programs;
  /** The environment that points the CLI at the fake programs. */
  readonly env: NodeJS.ProcessEnv;
  setKexecMode(mode: FakeKexecMode): void;
  invocations(program: 'kexec' | 'grub-editenv' | 'bootctl'): Invocation[];
}

export const KERNEL_VERSION = '6.1.0-9-amd64';

/** The smallest file our bzImage check accepts: the boot protocol's "HdrS" at 0x202. */
export function bzImage(marker = ''): Buffer {
  const image = Buffer.alloc(1024);
  image.write('HdrS', 0x202, 'latin1');
  image.write(marker, 0x300, 'latin1');
  return image;
}

/** The contents of an efivarfs file: 4 bytes of attributes, then a UTF-16 string with its NUL, as systemd-boot writes it. */
export function efiVariable(value: string): Buffer {
  return Buffer.concat([Buffer.from([7, 0, 0, 0]), Buffer.from(value + '\0', 'utf16le')]);
}

/** Starts as an initramfs does (a cpio "newc" header), which is what our initrd check looks at. */
export function cpio(marker: string): string {
  return `070701${marker}`;
}

/**
 * A fake program in sh: appends its argv (NUL-separated, then a record
 * separator) and what it saw to a log, and for kexec changes kexec_loaded
 * the way the kernel would.
 */
function fakeProgram(dir: string, name: string): string {
  const log = path.join(dir, 'fake', `${name}.log`);
  const loaded = path.join(dir, 'sys/kernel/kexec_loaded');
  const mode = path.join(dir, 'fake/kexec-mode');
  const lockdown = path.join(dir, 'sys/kernel/security/lockdown');
  // kexec -u is the kexec_load call, which a locked-down kernel refuses; -s -u is kexec_file_load's unload.
  const kexecBehaviour = `
case "$*" in
  -u) case "$(cat '${lockdown}' 2>/dev/null)" in
        *'[integrity]'*|*'[confidentiality]'*) echo 'kexec unload failed: Permission denied' >&2; exit 1 ;;
      esac
      echo 0 > '${loaded}' ;;
  '-s -u') echo 0 > '${loaded}' ;;
  *)
    # What the kernel would read: copies of the files a load names, as they were at the time.
    if [ "$2" = -l ]; then
      cp "$3" '${path.join(dir, 'fake/loaded-kernel')}'
      for a in "$@"; do case "$a" in --initrd=*) cp "\${a#--initrd=}" '${path.join(dir, 'fake/loaded-initrd')}' ;; esac; done
    fi
    mode=$(cat '${mode}' 2>/dev/null || echo ok)
    case "$mode" in
      ok) echo 1 > '${loaded}' ;;
      fail) echo 'kexec_load failed: Invalid argument' >&2; exit 1 ;;
      eperm) echo 'kexec_file_load failed: Operation not permitted' >&2; exit 255 ;;
      hang) exec sleep 600 ;;
      lie) : ;;
      no-file-load) if [ "$1" = -s ]; then echo 'syscall kexec_file_load not available.' >&2; exit 3; fi; echo 1 > '${loaded}' ;;
    esac ;;
esac`;
  const script = `#!/bin/sh
{ [ $# -eq 0 ] || printf '%s\\0' "$@"; printf '\\035'; } >> '${log}'
${name === 'kexec' ? kexecBehaviour : ''}
${name === 'systemctl' ? `case "$1" in show) cat '${path.join(dir, 'fake/systemctl-show')}' 2>/dev/null ;; *) cat '${path.join(dir, 'fake/list-jobs')}' 2>/dev/null ;; esac` : ''}
exit 0
`;
  const file = path.join(dir, 'fake', name);
  fs.writeFileSync(file, script, { mode: 0o755 });
  return file;
}

/**
 * An empty system tree, for a reader's tests that write only the files they
 * are about (and make hundreds of trees: makeFakeRoot's contents would cost).
 */
export function makeFakeTree(): FakeTree {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kexec-reboot-root-'));
  fs.chmodSync(dir, 0o755);
  const hostPath = (systemPath: string) => path.join(dir, systemPath);
  return {
    dir,
    root: systemRoot(dir),
    write(systemPath, content) {
      fs.mkdirSync(path.dirname(hostPath(systemPath)), { recursive: true });
      fs.writeFileSync(hostPath(systemPath), content);
    },
    link(systemPath, target) {
      fs.mkdirSync(path.dirname(hostPath(systemPath)), { recursive: true });
      fs.rmSync(hostPath(systemPath), { force: true });
      fs.symlinkSync(target, hostPath(systemPath));
    },
    remove: (systemPath) => fs.rmSync(hostPath(systemPath), { force: true, recursive: true }),
    read: (systemPath) => fs.readFileSync(hostPath(systemPath), 'utf8'),
    exists: (systemPath) => fs.existsSync(hostPath(systemPath)),
  };
}

/**
 * A system tree the CLI can be pointed at with --root: a Debian-like /boot
 * with a kernel and initrd behind /vmlinuz and /initrd.img, a /proc/cmdline,
 * a kexec-capable /sys, and fake kexec, systemctl and boot loader programs.
 */
export function makeFakeRoot(): FakeRoot {
  const tree = makeFakeTree();
  const { dir } = tree;
  const fakeRoot: FakeRoot = {
    ...tree,
    programs: { kexec: '', systemctl: '', grubEditenv: '', bootctl: '' },
    env: {},
    setKexecMode: (mode) => fs.writeFileSync(path.join(dir, 'fake/kexec-mode'), mode),
    invocations(program) {
      const log = path.join(dir, 'fake', `${program}.log`);
      if (!fs.existsSync(log)) return [];
      return fs
        .readFileSync(log, 'utf8')
        .split('\x1d')
        .filter(Boolean)
        .map((record) => ({ argv: record.split('\0').slice(0, -1) }));
    },
  };
  fs.mkdirSync(path.join(dir, 'fake'));
  const programs: Programs = {
    kexec: fakeProgram(dir, 'kexec'),
    systemctl: fakeProgram(dir, 'systemctl'),
    grubEditenv: fakeProgram(dir, 'grub-editenv'),
    bootctl: fakeProgram(dir, 'bootctl'),
  };
  Object.assign(fakeRoot, {
    programs,
    env: {
      KEXEC_REBOOT_KEXEC: programs.kexec,
      KEXEC_REBOOT_SYSTEMCTL: programs.systemctl,
      KEXEC_REBOOT_GRUB_EDITENV: programs.grubEditenv,
      KEXEC_REBOOT_BOOTCTL: programs.bootctl,
    },
  });
  fakeRoot.write('/proc/cmdline', `BOOT_IMAGE=/boot/vmlinuz-${KERNEL_VERSION} root=UUID=0b1c ro quiet\n`);
  fakeRoot.write('/sys/kernel/kexec_loaded', '0\n');
  fakeRoot.write(`/boot/vmlinuz-${KERNEL_VERSION}`, bzImage());
  fakeRoot.write(`/boot/initrd.img-${KERNEL_VERSION}`, cpio('initramfs'));
  fakeRoot.link('/vmlinuz', `boot/vmlinuz-${KERNEL_VERSION}`);
  fakeRoot.link('/initrd.img', `boot/initrd.img-${KERNEL_VERSION}`);
  fakeRoot.write('/run/.keep', '');
  fs.chmodSync(path.join(dir, 'run'), 0o755);
  return fakeRoot;
}

/** makeFakeTree with `files` (system path: content) in it, removed when the test that made it ends. */
export function fakeTreeWith(files: Readonly<Record<string, string | Uint8Array>>): FakeTree {
  const tree = makeFakeTree();
  onTestFinished(() => fs.rmSync(tree.dir, { recursive: true, force: true }));
  for (const [systemPath, content] of Object.entries(files)) tree.write(systemPath, content);
  return tree;
}

/** The files Debian's grub-mkconfig made (test/boot-target/bootloader/fixtures/generate.sh). */
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../boot-target/bootloader/fixtures');

export function fixture(...parts: string[]): string {
  return fs.readFileSync(path.join(FIXTURES, ...parts), 'utf8');
}

/** Filesystem UUIDs of the generated fixtures. */
export const ROOT_UUID = '0a1b2c3d-1111-4222-8333-444455556666';
export const BOOT_UUID = '9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff';

const FIXTURE_KERNEL_VERSIONS = ['6.1.0-9-amd64', '6.1.0-10-amd64', '6.1.0-11-amd64'];

/**
 * A system like the one generate.sh made the fixtures on: the grub.cfg of
 * `variant`, grubenv from `grubenv` (a path under fixtures/grub) if given,
 * three kernels with initrds and two microcode images in /boot, /boot on / or
 * (separateBoot) on its own filesystem, mounted through /etc/fstab.
 */
export function debianRoot(variant: string, grubenv?: string, separateBoot = variant === 'separate-boot'): FakeTree {
  const tree = fakeTreeWith({});
  tree.write('/boot/grub/grub.cfg', fixture('grub', variant, 'grub.cfg'));
  if (grubenv !== undefined) tree.write('/boot/grub/grubenv', fixture('grub', ...grubenv.split('/')));
  for (const v of FIXTURE_KERNEL_VERSIONS) {
    tree.write(`/boot/vmlinuz-${v}`, 'kernel');
    tree.write(`/boot/initrd.img-${v}`, 'initrd');
  }
  tree.write('/boot/intel-ucode.img', 'ucode');
  tree.write('/boot/amd-ucode.img', 'ucode');
  tree.write(
    '/etc/fstab',
    `# /etc/fstab\nUUID=${ROOT_UUID} / ext4 errors=remount-ro 0 1\n` + (separateBoot ? `UUID=${BOOT_UUID} /boot ext4 defaults 0 2\n` : ''),
  );
  return tree;
}
