import { describe, expect, it } from 'vitest';
import { inheritableCmdline } from '../../src/boot-target/cmdline.js';

describe('inheritableCmdline', () => {
  it('drops BOOT_IMAGE= and initrd= and keeps everything else in order, quoting included', () => {
    expect(inheritableCmdline('BOOT_IMAGE=/boot/vmlinuz-6.1.0-9-amd64 root=UUID=0b1c ro initrd=\\initrd.img dyndbg="file x.c +p" quiet\n')).toBe(
      'root=UUID=0b1c ro dyndbg="file x.c +p" quiet',
    );
  });

  it('keeps parameters that merely start like the dropped ones', () => {
    expect(inheritableCmdline('BOOT_IMAGEX=1 initrdmem=2 rd.luks=1')).toBe('BOOT_IMAGEX=1 initrdmem=2 rd.luks=1');
  });

  it('does not inherit BOOT_IMAGE= when APPEND repeats the running command line', () => {
    expect(inheritableCmdline('BOOT_IMAGE=/vmlinuz root=/dev/vda marker=1')).toBe('root=/dev/vda marker=1');
  });

  it("drops the marker of the kexec that started the running kernel: it names that kernel's loader, not the next one's", () => {
    expect(inheritableCmdline('root=/dev/vda kexec_reboot.from=7c1e-old quiet kexec_reboot.fromage=1')).toBe('root=/dev/vda quiet kexec_reboot.fromage=1');
  });
});
