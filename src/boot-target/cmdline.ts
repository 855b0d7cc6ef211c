import { isArrivalMarker, parameterName, splitCmdline } from '../host/kernel-cmdline.js';

/**
 * Parameters the bootloader adds for the kernel it started. Passing them on
 * would describe the wrong image, so a command line taken from the running
 * kernel drops them (kexec's own --reuse-cmdline drops BOOT_IMAGE= likewise).
 */
const NOT_INHERITED = ['BOOT_IMAGE', 'initrd'];

/**
 * The running kernel's command line, minus what must not be inherited (nor
 * kexec-reboot's own marker, which names the boot that loaded this kernel);
 * order and quoting kept.
 */
export function inheritableCmdline(procCmdline: string): string {
  return splitCmdline(procCmdline)
    .filter((word) => !NOT_INHERITED.includes(parameterName(word)) && !isArrivalMarker(word))
    .join(' ');
}
