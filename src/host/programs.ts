import { accessSync, constants, existsSync, statSync } from 'node:fs';

/** The external programs the tool runs; tests replace them with recording fakes. */
export interface Programs {
  readonly kexec: string;
  readonly systemctl: string;
  readonly grubEditenv: string;
  readonly bootctl: string;
}

function firstExisting(candidates: readonly string[]): string {
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
}

export function programsFromEnvironment(env: NodeJS.ProcessEnv = process.env): Programs {
  return {
    // Bookworm systems that were never usr-merged only have /sbin/kexec.
    kexec: env.KEXEC_REBOOT_KEXEC || firstExisting(['/usr/sbin/kexec', '/sbin/kexec']),
    systemctl: env.KEXEC_REBOOT_SYSTEMCTL || '/usr/bin/systemctl',
    grubEditenv: env.KEXEC_REBOOT_GRUB_EDITENV || '/usr/bin/grub-editenv',
    bootctl: env.KEXEC_REBOOT_BOOTCTL || '/usr/bin/bootctl',
  };
}

export function isExecutable(program: string): boolean {
  try {
    accessSync(program, constants.X_OK);
    return statSync(program).isFile();
  } catch {
    return false;
  }
}
