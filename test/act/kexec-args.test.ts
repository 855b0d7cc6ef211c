import { describe, expect, it } from 'vitest';
import { kexecLoadArgs } from '../../src/act/kexec-args.js';

describe('kexecLoadArgs', () => {
  const spec = { cmdline: 'root=/dev/vda ro', fileSyscall: false };

  it('builds -l KERNEL --initrd= --append=', () => {
    expect(kexecLoadArgs('/boot/k', '/boot/i', spec)).toEqual(['-l', '/boot/k', '--initrd=/boot/i', '--append=root=/dev/vda ro']);
  });

  it('leaves out --initrd without one, and puts -s first under lockdown', () => {
    expect(kexecLoadArgs('/boot/k', undefined, { ...spec, fileSyscall: true })).toEqual(['-s', '-l', '/boot/k', '--append=root=/dev/vda ro']);
  });

  it('keeps hostile values as single, untouched arguments', () => {
    const hostile = `a'b "c" $(touch /tmp/x) \`id\`; reboot | cat\nnext line`;
    expect(kexecLoadArgs(`/boot/${hostile}`, `/boot/i ${hostile}`, { ...spec, cmdline: hostile })).toEqual([
      '-l',
      `/boot/${hostile}`,
      `--initrd=/boot/i ${hostile}`,
      `--append=${hostile}`,
    ]);
  });
});
