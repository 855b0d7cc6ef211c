import { existsSync, rmSync } from 'node:fs';
import type { SystemRoot } from '../host/system-root.js';
import { KEXEC_TOOLS_COLD_FLAG } from '../host/paths.js';

/**
 * kexec-tools' /no-kexec-reboot asks for one firmware restart but lives on the
 * root filesystem: the reboot that honours it removes it, as kexec-tools' init
 * script did, or every later reboot would go through firmware too; so does
 * the first reboot after one that left it (`stale`, the plan's word). Returns
 * what to log, or undefined when there was no such file.
 */
export function consumeKexecToolsColdFlag(root: SystemRoot, stale: string | undefined): { ok: boolean; detail: string } | undefined {
  if (!existsSync(root.path(KEXEC_TOOLS_COLD_FLAG))) return undefined;
  try {
    rmSync(root.path(KEXEC_TOOLS_COLD_FLAG), { force: true });
    return { ok: true, detail: stale ? `removed stale ${KEXEC_TOOLS_COLD_FLAG}: ${stale}` : `removed ${KEXEC_TOOLS_COLD_FLAG}: it asked for this reboot only` };
  } catch (error) {
    return { ok: false, detail: `cannot remove ${KEXEC_TOOLS_COLD_FLAG} (${(error as Error).message}): later reboots will go through firmware too until it is removed` };
  }
}
