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

export const KEXEC_UNLOAD_ARGS: readonly string[] = ['-u'];
