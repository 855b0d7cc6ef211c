import type { KexecSyscall } from '../host/load-record.js';

/**
 * The argv of `kexec -l` for a load, the call named (-s, -c: kexec-tools
 * 2.0.25 and later alike). Each value is one array element, never joined
 * into a string a shell would read again.
 */
export function kexecLoadArgs(kernel: string, initrd: string | undefined, cmdline: string, syscall: KexecSyscall): string[] {
  return [
    syscall === 'kexec_file_load' ? '-s' : '-c',
    '-l',
    kernel,
    ...(initrd === undefined ? [] : [`--initrd=${initrd}`]),
    `--append=${cmdline}`,
  ];
}

/**
 * The argv of an unload by the call named: kexec -u is kexec_load's, which a
 * locked-down kernel refuses (kexec-tools 2.0.25, Debian 12's, tries nothing
 * else); kexec -s -u is kexec_file_load's, in 2.0.25 and later alike.
 */
export function kexecUnloadArgs(syscall: KexecSyscall): string[] {
  return syscall === 'kexec_file_load' ? ['-s', '-u'] : ['-u'];
}
