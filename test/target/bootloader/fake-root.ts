/** Builds throwaway system trees for the bootloader tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { systemRoot, type SystemRoot } from '../../../src/host/system-root.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Filesystem UUIDs of the generated fixtures (generate.sh). */
export const ROOT_UUID = '0a1b2c3d-1111-4222-8333-444455556666';
export const BOOT_UUID = '9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export interface FakeRoot extends SystemRoot {
  write(systemPath: string, content?: string | Buffer): void;
}

export function fakeRoot(files: Record<string, string | Buffer> = {}): FakeRoot {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kexec-reboot-bootloader-'));
  made.push(dir);
  const root = systemRoot(dir);
  const write = (systemPath: string, content: string | Buffer = '') => {
    const p = root.path(systemPath);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  };
  for (const [p, c] of Object.entries(files)) write(p, c);
  return { ...root, write };
}

export function fixture(...parts: string[]): string {
  return fs.readFileSync(path.join(FIXTURES, ...parts), 'utf8');
}

export const KERNEL_VERSIONS = ['6.1.0-9-amd64', '6.1.0-10-amd64', '6.1.0-11-amd64'];

/**
 * A system like the one generate.sh made the fixtures on: three kernels with
 * initrds and two microcode images in /boot, /boot on / or (separateBoot) on
 * its own filesystem, mounted through /etc/fstab.
 */
export function debianRoot(variant: string, grubenv?: string, separateBoot = variant === 'separate-boot'): FakeRoot {
  const root = fakeRoot();
  root.write('/boot/grub/grub.cfg', fixture('grub', variant, 'grub.cfg'));
  if (grubenv !== undefined) root.write('/boot/grub/grubenv', fixture('grub', ...grubenv.split('/')));
  for (const v of KERNEL_VERSIONS) {
    root.write(`/boot/vmlinuz-${v}`, 'kernel');
    root.write(`/boot/initrd.img-${v}`, 'initrd');
  }
  root.write('/boot/intel-ucode.img', 'ucode');
  root.write('/boot/amd-ucode.img', 'ucode');
  root.write(
    '/etc/fstab',
    `# /etc/fstab\nUUID=${ROOT_UUID} / ext4 errors=remount-ro 0 1\n` + (separateBoot ? `UUID=${BOOT_UUID} /boot ext4 defaults 0 2\n` : ''),
  );
  return root;
}
