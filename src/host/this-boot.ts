import { existsSync } from 'node:fs';
import type { SystemRoot } from './system-root.js';
import { arrivalMarkerIn } from './kernel-cmdline.js';
import { readInitStartSeconds } from './kernel-log.js';
import { BOOT_ID, BOOT_PARAMS, KERNEL_RELEASE, PROC_CMDLINE, SYSTEMD_RUNNING, UPTIME } from './paths.js';
import type { Programs } from './programs.js';
import { MAX_BYTES, readFileBytes, readTextFile } from './read-file.js';
import { runProgram } from './run-program.js';
import type { Arrival } from './reboot-history.js';

/**
 * boot_params.hdr.type_of_loader (Documentation/arch/x86/boot.rst): the boot
 * loader's ID in the high nibble. Both kexec calls set 0xD ("kexec-tools";
 * kexec_file_load in arch/x86/kernel/kexec-bzimage64.c, kexec_load by
 * kexec-tools' x86-linux-setup.c); GRUB, the EFI stub, SYSLINUX and QEMU's
 * own loader set theirs. Nothing else changes it after the hand-over.
 */
const TYPE_OF_LOADER_OFFSET = 0x210;
const KEXEC_LOADER_ID = 0xd;

const SYSTEMD_QUERY_MS = 5_000;

/** A stop of multi-user.target longer ago than this belongs to an earlier isolate, not to this shutdown. */
const SHUTDOWN_AGE_LIMIT_SECONDS = 600;

/** Who started the running kernel: a kexec, or a boot loader (through the firmware). */
export function loaderOf(bootParams: Buffer | undefined): Arrival['by'] {
  if (!bootParams || bootParams.length <= TYPE_OF_LOADER_OFFSET) return 'unknown';
  return bootParams[TYPE_OF_LOADER_OFFSET]! >> 4 === KEXEC_LOADER_ID ? 'kexec' : 'firmware';
}

/** Seconds since boot, from the first field of /proc/uptime. */
function parseUptime(text: string): number | undefined {
  const seconds = Number(text.split(/\s+/)[0]);
  return Number.isFinite(seconds) ? seconds : undefined;
}

const readText = (root: SystemRoot, path: string, maxBytes = MAX_BYTES.sysfsAttribute) => {
  const read = readTextFile(root, path, maxBytes);
  return read.kind === 'text' ? read.text : undefined;
};

/** multi-user.target's properties, by systemd's own word: `systemctl show -p A -p B` as { A: value, B: value }, or why not. */
async function multiUserProperties(programs: Programs, properties: readonly string[]): Promise<Record<string, string> | string> {
  const args = ['show', ...properties.map((property) => `--property=${property}`), 'multi-user.target'];
  const result = await runProgram(programs.systemctl, args, { timeoutMs: SYSTEMD_QUERY_MS });
  if (result.exitCode !== 0) return `systemctl ${args.join(' ')}: ${result.timedOut ? 'no answer in time' : `exit ${result.exitCode ?? result.startError}, "${result.output.slice(0, 200)}"`}`;
  const pairs = result.output.split('\n').filter((line) => line.includes('='));
  return Object.fromEntries(pairs.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** A CLOCK_MONOTONIC timestamp in microseconds as seconds after boot; undefined for 0 (never). */
const monotonicSeconds = (microseconds: string | undefined) => (Number(microseconds) > 0 ? Number(microseconds) / 1e6 : undefined);

/**
 * When multi-user.target stopped, the first unit a shutdown stops, whatever
 * asked for it: systemd 252 keeps it as ActiveExitTimestamp. Debian 13's
 * systemd 257 shows all of the stopped target's times as 0 (it seems to
 * have let go of the unit), and the caller falls back to the hook's start.
 */
async function multiUserStoppedSeconds(programs: Programs): Promise<number | string> {
  const shown = await multiUserProperties(programs, ['ActiveState', 'ActiveExitTimestampMonotonic']);
  if (typeof shown === 'string') return shown;
  const described = Object.entries(shown).map(([key, value]) => `${key}=${value}`).join(' ') || 'systemctl showed nothing';
  if (shown.ActiveState !== 'inactive') return `multi-user.target is not stopped (${described})`;
  return monotonicSeconds(shown.ActiveExitTimestampMonotonic) ?? `systemd gives no time for it (${described})`;
}

/** When multi-user.target was reached, in seconds after boot. */
async function multiUserReachedSeconds(programs: Programs): Promise<number | undefined> {
  const shown = await multiUserProperties(programs, ['ActiveEnterTimestampMonotonic']);
  return typeof shown === 'string' ? undefined : monotonicSeconds(shown.ActiveEnterTimestampMonotonic);
}

const underSystemd = (root: SystemRoot) => existsSync(root.path(SYSTEMD_RUNNING));

function uptimeSeconds(root: SystemRoot): number {
  const uptime = parseUptime(readText(root, UPTIME) ?? '');
  if (uptime === undefined) throw new Error(`cannot read ${UPTIME}`);
  return uptime;
}

/** This boot's id; undefined when it cannot be read. */
export const bootIdOf = (root: SystemRoot): string | undefined => readText(root, BOOT_ID)?.trim() || undefined;
export const readBootId = (root: SystemRoot): string => bootIdOf(root) ?? 'unknown';

/**
 * When the shutdown under way began: under systemd, when multi-user.target
 * stopped; otherwise, or when systemd does not say, `fallbackMs` (the hook's
 * start), and why not systemd's time.
 */
export async function shutdownStartedAt(
  root: SystemRoot,
  programs: Programs,
  fallbackMs: number,
  now = Date.now(),
): Promise<{ readonly at: string; readonly from: 'systemd' | 'hook'; readonly whyNotSystemd?: string }> {
  const fallback = (whyNotSystemd?: string) => ({ at: new Date(fallbackMs).toISOString(), from: 'hook' as const, ...(whyNotSystemd ? { whyNotSystemd } : {}) });
  if (!underSystemd(root)) return fallback();
  const stopped = await multiUserStoppedSeconds(programs);
  if (typeof stopped === 'string') return fallback(stopped);
  const ago = uptimeSeconds(root) - stopped;
  if (ago < 0 || ago > SHUTDOWN_AGE_LIMIT_SECONDS) return fallback(`multi-user.target stopped ${ago.toFixed(1)} s ago, not in this shutdown`);
  return { at: new Date(now - ago * 1000).toISOString(), from: 'systemd' };
}

/**
 * The running boot as the history completes the reboot before it with,
 * measured on the machine itself: who started the kernel (x86's boot
 * protocol; and the boot our kexec's marker names, on any architecture),
 * when it started (now minus the uptime), and when it ran init (kernel-log.ts). Undefined when the boot's id or
 * uptime cannot be read: such a boot cannot be told from others.
 */
export function readThisBoot(root: SystemRoot, now = Date.now()): Arrival | undefined {
  const bootId = readText(root, BOOT_ID)?.trim();
  const uptime = parseUptime(readText(root, UPTIME) ?? '');
  if (!bootId || uptime === undefined) return undefined;
  const kernelStartedMs = now - uptime * 1000;
  const bootParams = readFileBytes(root, BOOT_PARAMS, MAX_BYTES.sysfsAttribute);
  const initStarted = readInitStartSeconds(root);
  const kexecFrom = arrivalMarkerIn(readText(root, PROC_CMDLINE, MAX_BYTES.procCmdline) ?? '');
  return {
    bootId,
    by: loaderOf(bootParams.kind === 'bytes' ? bootParams.bytes : undefined),
    ...(kexecFrom === undefined ? {} : { kexecFrom }),
    kernelRelease: readText(root, KERNEL_RELEASE)?.trim() ?? 'unknown',
    kernelStartedAt: new Date(kernelStartedMs).toISOString(),
    ...(initStarted === undefined ? {} : { initStartedAt: new Date(kernelStartedMs + initStarted * 1000).toISOString() }),
  };
}

/** The running boot once userspace is up (boot-complete): readThisBoot, and when it was up. */
export async function readArrival(root: SystemRoot, programs: Programs, now = Date.now()): Promise<Arrival> {
  const thisBoot = readThisBoot(root, now);
  if (!thisBoot) throw new Error(`cannot read ${BOOT_ID} or ${UPTIME}`);
  const upSeconds = underSystemd(root) ? await multiUserReachedSeconds(programs) : undefined;
  return { ...thisBoot, upAt: upSeconds === undefined ? new Date(now).toISOString() : new Date(Date.parse(thisBoot.kernelStartedAt) + upSeconds * 1000).toISOString() };
}
