import { rmSync } from 'node:fs';
import type { SystemRoot } from '../host/system-root.js';
import { NO_KEXEC_MARKER } from '../host/paths.js';
import { writeStateFile } from '../host/state-dir.js';
import type { Outcome } from './carry-out.js';

/**
 * The final kexec -e (init/system-shutdown/kexec-reboot) starts whatever is
 * loaded unless /no-kexec-reboot or NO_KEXEC_MARKER exists: a kernel the hook
 * could neither verify nor unload is left to it with the marker, so that it
 * tries the unload once more and starts nothing, and the reboot goes through
 * firmware. Any other outcome removes a marker an earlier run left. Returns
 * how the reboot really ends.
 */
export function settleFinalStep(root: SystemRoot, outcome: Outcome): Outcome {
  if (!outcome.unverifiedKernelLoaded) {
    try {
      rmSync(root.path(NO_KEXEC_MARKER), { force: true });
      return outcome;
    } catch (error) {
      return { path: 'firmware', message: `${outcome.message}; but ${NO_KEXEC_MARKER} cannot be removed (${(error as Error).message}), so the final step will not start a kernel` };
    }
  }
  try {
    writeStateFile(root, NO_KEXEC_MARKER, `${outcome.message}\n`);
    return { path: 'firmware', message: `${outcome.message}; the final kexec -e will not start it` };
  } catch (error) {
    return { path: 'kexec', message: `${outcome.message}; ${NO_KEXEC_MARKER} cannot be written (${(error as Error).message}), so the final kexec -e will start it` };
  }
}
