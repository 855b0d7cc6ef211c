// The fake system tree every benchmarked command runs against: a Debian 13-like
// /boot with /vmlinuz and /initrd.img symlinks, /proc/cmdline, a kexec-capable
// /sys, Debian's default /etc/default/kexec, and a fake kexec (a few lines of sh
// that record their argv and flip sys/kernel/kexec_loaded to 1, loading nothing).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const KERNEL_VERSION = '6.12.43+deb13-amd64';

/** kexec-tools' own /etc/default/kexec as Debian ships it. */
const DEFAULT_KEXEC = fs.readFileSync(new URL('../test/fixtures/debian-kexec-tools.default', import.meta.url), 'utf8');

/** The smallest kernel image kexec-reboot accepts: the boot protocol's "HdrS" at 0x202. */
function bzImage() {
  const image = Buffer.alloc(1024);
  image.write('HdrS', 0x202, 'latin1');
  return image;
}

/**
 * The absolute system paths kexec-load-kernel reads or runs, and which the
 * patched copy prefixes with the fake root. Nothing else in it changes.
 * (/lib/lsb/init-functions, which it sources, and the tools it runs from its
 * own PATH stay the host's, as on a real system.)
 */
export const REDIRECTED_PATHS = [
  '/no-kexec-reboot',
  '/etc/default/kexec', // also matches /etc/default/kexec.d
  '/sbin/kexec',
  '/sys/kernel/kexec_loaded',
  '/proc/cmdline',
  '/boot/grub/', // grub.cfg and grubenv: only read with USE_GRUB_CONFIG=true, not the case here
];

export function makeFakeRoot() {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kexec-reboot-bench-root-')));
  if (/[\s'"\\$`]/.test(dir)) throw new Error(`temporary directory ${dir} has characters the commands cannot carry`);
  fs.chmodSync(dir, 0o755);
  const at = (p) => path.join(dir, p);
  const write = (p, content, mode = 0o644) => {
    fs.mkdirSync(path.dirname(at(p)), { recursive: true });
    fs.writeFileSync(at(p), content, { mode });
  };
  write('/proc/cmdline', `BOOT_IMAGE=/boot/vmlinuz-${KERNEL_VERSION} root=UUID=0b1c5d2e ro quiet\n`);
  write('/sys/kernel/kexec_loaded', '0\n');
  write(`/boot/vmlinuz-${KERNEL_VERSION}`, bzImage());
  // Starts as a cpio "newc" archive, which is what kexec-reboot's initrd check looks at.
  write(`/boot/initrd.img-${KERNEL_VERSION}`, '070701initramfs');
  fs.symlinkSync(`boot/vmlinuz-${KERNEL_VERSION}`, at('/vmlinuz'));
  fs.symlinkSync(`boot/initrd.img-${KERNEL_VERSION}`, at('/initrd.img'));
  write('/etc/default/kexec', DEFAULT_KEXEC);
  fs.mkdirSync(at('/run'), { mode: 0o755 });
  // Merged /usr, as on Debian 12 and 13: /sbin/kexec is /usr/sbin/kexec.
  const loaded = at('/sys/kernel/kexec_loaded');
  const argvFile = at('/fake-kexec.argv');
  write(
    '/usr/sbin/kexec',
    `#!/bin/sh\n# fake kexec: loads nothing\nprintf '%s\\n' "$@" > '${argvFile}'\necho 1 > '${loaded}'\nexit 0\n`,
    0o755,
  );
  fs.symlinkSync('usr/sbin', at('/sbin'));
  return {
    dir,
    kexec: at('/sbin/kexec'),
    loadedFile: loaded,
    argvFile,
    reset() {
      fs.writeFileSync(loaded, '0\n');
      fs.rmSync(argvFile, { force: true });
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A copy of kexec-load-kernel whose only change is the fake root's directory
 * in front of each of REDIRECTED_PATHS. Checked: removing that prefix again
 * gives back the original byte for byte.
 */
export function patchKexecLoadKernel(original, root) {
  const text = fs.readFileSync(original, 'utf8');
  let patched = text;
  for (const p of REDIRECTED_PATHS) patched = patched.split(p).join(root.dir + p);
  if (patched.split(root.dir).join('') !== text) throw new Error('patched kexec-load-kernel differs by more than the fake-root prefix');
  const changedLines = patched.split('\n').filter((line, i) => line !== text.split('\n')[i]).length;
  const file = path.join(root.dir, 'kexec-load-kernel');
  fs.writeFileSync(file, patched, { mode: 0o755 });
  return { file, changedLines };
}
