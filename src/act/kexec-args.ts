import type { LoadSpec } from '../plan/plan.js';

/**
 * The argv of `kexec -l` for a load. Each value is one array element, never
 * joined into a string a shell would read again.
 */
export function kexecLoadArgs(kernel: string, initrd: string | undefined, spec: Pick<LoadSpec, 'cmdline' | 'fileSyscall'>): string[] {
  return [
    ...(spec.fileSyscall ? ['-s'] : []),
    '-l',
    kernel,
    ...(initrd === undefined ? [] : [`--initrd=${initrd}`]),
    `--append=${spec.cmdline}`,
  ];
}

export const KEXEC_UNLOAD_ARGS: readonly string[] = ['-u'];
