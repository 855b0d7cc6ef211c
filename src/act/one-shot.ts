import type { SystemRoot } from '../host/system-root.js';
import type { Programs } from '../host/programs.js';
import { runProgram } from '../host/run-program.js';
import type { OneShot } from '../boot-target/boot-target.js';
import type { RunOutcome } from './kexec-runner.js';

const CLEAR_TIMEOUT_MS = 5_000;

interface Clearing {
  readonly argv: readonly [string, ...string[]];
  readonly what: string;
  readonly bootloader: string;
}

function clearingOf(root: SystemRoot, programs: Programs, oneShot: OneShot): Clearing {
  return oneShot.bootloader === 'grub'
    ? {
        argv: [programs.grubEditenv, root.path(oneShot.grubenv), 'unset', 'next_entry'],
        what: `the grub-reboot one-shot (next_entry) in ${oneShot.grubenv}`,
        bootloader: 'GRUB',
      }
    : {
        // An empty entry ID removes the variable.
        argv: [programs.bootctl, 'set-oneshot', ''],
        what: "systemd-boot's one-shot entry (the EFI variable LoaderEntryOneShot)",
        bootloader: 'systemd-boot',
      };
}

/**
 * A boot loader clears a one-shot choice (grub-reboot's next_entry,
 * systemd-boot's LoaderEntryOneShot) when it boots it. A kexec skips the boot
 * loader, so once the entry is about to be booted by kexec we clear it as the
 * boot loader would have; otherwise a later firmware boot would take it again.
 */
export async function clearOneShot(root: SystemRoot, programs: Programs, oneShot: OneShot): Promise<RunOutcome> {
  const { argv: [program, ...args], what, bootloader } = clearingOf(root, programs, oneShot);
  const result = await runProgram(program, args, { timeoutMs: CLEAR_TIMEOUT_MS });
  return result.exitCode === 0
    ? { ok: true, detail: `cleared ${what}, as ${bootloader} would have` }
    : { ok: false, detail: `could not clear ${what}: ${result.startError ?? (result.output || `exit code ${result.exitCode}`)}` };
}
