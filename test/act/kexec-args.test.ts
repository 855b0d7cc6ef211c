import { describe, expect, it } from 'vitest';
import { kexecLoadArgs } from '../../src/act/kexec-args.js';

describe('kexecLoadArgs', () => {
  const cmdline = 'root=/dev/vda ro';

  it('builds -s -l KERNEL --initrd= --append= for kexec_file_load', () => {
    expect(kexecLoadArgs('/boot/k', '/boot/i', cmdline, 'kexec_file_load')).toEqual(['-s', '-l', '/boot/k', '--initrd=/boot/i', '--append=root=/dev/vda ro']);
  });

  it('leaves out --initrd without one, and names kexec_load with -c', () => {
    expect(kexecLoadArgs('/boot/k', undefined, cmdline, 'kexec_load')).toEqual(['-c', '-l', '/boot/k', '--append=root=/dev/vda ro']);
  });

  it('keeps hostile values as single, untouched arguments', () => {
    const hostile = `a'b "c" $(touch /tmp/x) \`id\`; reboot | cat\nnext line`;
    expect(kexecLoadArgs(`/boot/${hostile}`, `/boot/i ${hostile}`, hostile, 'kexec_file_load')).toEqual([
      '-s',
      '-l',
      `/boot/${hostile}`,
      `--initrd=/boot/i ${hostile}`,
      `--append=${hostile}`,
    ]);
  });
});
