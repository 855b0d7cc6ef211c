import { describe, expect, it } from 'vitest';
import { inheritableCmdline, splitCmdline } from '../../src/boot-target/cmdline.js';

describe('splitCmdline', () => {
  it('splits on whitespace but keeps double-quoted values together', () => {
    expect(splitCmdline('root=/dev/vda  acpi_osi="Windows 2020" quiet\n')).toEqual(['root=/dev/vda', 'acpi_osi="Windows 2020"', 'quiet']);
  });
});

describe('inheritableCmdline', () => {
  it('drops BOOT_IMAGE= and initrd= and keeps everything else in order, quoting included', () => {
    expect(inheritableCmdline('BOOT_IMAGE=/boot/vmlinuz-6.1.0-9-amd64 root=UUID=0b1c ro initrd=\\initrd.img dyndbg="file x.c +p" quiet\n')).toBe(
      'root=UUID=0b1c ro dyndbg="file x.c +p" quiet',
    );
  });

  it('keeps parameters that merely start like the dropped ones', () => {
    expect(inheritableCmdline('BOOT_IMAGEX=1 initrdmem=2 rd.luks=1')).toBe('BOOT_IMAGEX=1 initrdmem=2 rd.luks=1');
  });

  it('does not inherit a marker twice when APPEND repeats the running command line', () => {
    expect(inheritableCmdline('BOOT_IMAGE=/vmlinuz root=/dev/vda marker=1')).toBe('root=/dev/vda marker=1');
  });
});
