import { describe, expect, it } from 'vitest';
import { arrivalMarkerIn, splitCmdline, withArrivalMarker } from '../../src/host/kernel-cmdline.js';
import { inheritableCmdline } from '../../src/boot-target/cmdline.js';

describe('splitCmdline', () => {
  it('splits on whitespace but keeps double-quoted values together', () => {
    expect(splitCmdline('root=/dev/vda  acpi_osi="Windows 2020" quiet\n')).toEqual(['root=/dev/vda', 'acpi_osi="Windows 2020"', 'quiet']);
  });
});

describe('the arrival marker', () => {
  it('ends the command line a kernel is loaded with, naming the loading boot', () => {
    expect(withArrivalMarker('root=/dev/vda ro quiet', '1f0e-boot')).toBe('root=/dev/vda ro quiet kexec_reboot.from=1f0e-boot');
  });

  it('goes before init\'s arguments, which the kernel does not read', () => {
    expect(withArrivalMarker('root=/dev/vda -- single', 'b2')).toBe('root=/dev/vda kexec_reboot.from=b2 -- single');
    expect(arrivalMarkerIn('root=/dev/vda kexec_reboot.from=b2 -- kexec_reboot.from=x\n')).toBe('b2');
    expect(arrivalMarkerIn('root=/dev/vda -- kexec_reboot.from=x\n')).toBeUndefined();
  });

  it('never rides twice: a reused command line, by either idiom, keeps only this boot\'s marker', () => {
    const running = 'BOOT_IMAGE=/vmlinuz root=/dev/vda ro kexec_reboot.from=a1 quiet\n';
    // APPEND empty (the running command line) and APPEND="$(cat /proc/cmdline) ..." both go through inheritableCmdline.
    for (const reused of [inheritableCmdline(running), inheritableCmdline(`${running.trim()} panic=5`), running.trim()]) {
      const loaded = withArrivalMarker(reused, 'b2');
      expect(splitCmdline(loaded).filter((word) => word.startsWith('kexec_reboot.from='))).toEqual(['kexec_reboot.from=b2']);
      expect(arrivalMarkerIn(loaded)).toBe('b2');
    }
  });

  it('is read from /proc/cmdline: the last one, as the kernel takes it; none, or an empty one, is no marker', () => {
    expect(arrivalMarkerIn('root=/dev/vda kexec_reboot.from=a1 kexec_reboot.from=b2\n')).toBe('b2');
    expect(arrivalMarkerIn('BOOT_IMAGE=/vmlinuz root=/dev/vda\n')).toBeUndefined();
    expect(arrivalMarkerIn('root=/dev/vda kexec_reboot.from=\n')).toBeUndefined();
    expect(arrivalMarkerIn('root=/dev/vda x="kexec_reboot.from=a1"\n')).toBeUndefined();
  });
});
