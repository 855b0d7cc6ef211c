import { existsSync } from 'node:fs';
import type { SystemRoot } from './system-root.js';
import { BOOT_ID, BOOT_PARAMS, SYSTEMD_RUNNING, UPTIME } from './paths.js';
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

/** USER_HZ, which /proc/<pid>/stat counts in: 100 on every Linux architecture Debian builds. */
const CLOCK_TICKS_PER_SECOND = 100;

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

/** When a process started, in seconds after boot: field 22 of /proc/<pid>/stat, after the parenthesised name. */
export function processStartSeconds(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SECOND : undefined;
}

const readText = (root: SystemRoot, path: string) => {
  const read = readTextFile(root, path, MAX_BYTES.sysfsAttribute);
  return read.kind === 'text' ? read.text : undefined;
};

/** When multi-user.target last changed state (ActiveEnter..., ActiveExit...), by systemd's own word, in seconds after boot (CLOCK_MONOTONIC); or why not. */
async function multiUserTimestamp(programs: Programs, property: 'ActiveEnterTimestampMonotonic' | 'ActiveExitTimestampMonotonic'): Promise<number | string> {
  const result = await runProgram(programs.systemctl, ['show', `--property=${property}`, '--value', 'multi-user.target'], { timeoutMs: SYSTEMD_QUERY_MS });
  const microseconds = Number(result.output.trim());
  if (result.exitCode === 0 && microseconds > 0) return microseconds / 1e6;
  return `systemctl show ${property} multi-user.target: ${result.timedOut ? 'no answer in time' : `exit ${result.exitCode ?? result.startError}, "${result.output.slice(0, 200)}"`}`;
}

const underSystemd = (root: SystemRoot) => existsSync(root.path(SYSTEMD_RUNNING));

function uptimeSeconds(root: SystemRoot): number {
  const uptime = parseUptime(readText(root, UPTIME) ?? '');
  if (uptime === undefined) throw new Error(`cannot read ${UPTIME}`);
  return uptime;
}

export const readBootId = (root: SystemRoot): string => readText(root, BOOT_ID)?.trim() ?? 'unknown';

/**
 * When the shutdown under way began: under systemd, when multi-user.target
 * began to stop (the first unit a shutdown stops, whatever asked for it);
 * otherwise, or when systemd does not say, `fallbackMs` (the hook's start).
 */
export async function shutdownStartedAt(
  root: SystemRoot,
  programs: Programs,
  fallbackMs: number,
  now = Date.now(),
): Promise<{ readonly at: string; readonly from: 'systemd' | 'hook'; readonly whyNotSystemd?: string }> {
  const fallback = (whyNotSystemd?: string) => ({ at: new Date(fallbackMs).toISOString(), from: 'hook' as const, ...(whyNotSystemd ? { whyNotSystemd } : {}) });
  if (!underSystemd(root)) return fallback();
  const stopped = await multiUserTimestamp(programs, 'ActiveExitTimestampMonotonic');
  if (typeof stopped === 'string') return fallback(stopped);
  const ago = uptimeSeconds(root) - stopped;
  if (ago < 0 || ago > SHUTDOWN_AGE_LIMIT_SECONDS) return fallback(`multi-user.target stopped ${ago.toFixed(1)} s ago, not in this shutdown`);
  return { at: new Date(now - ago * 1000).toISOString(), from: 'systemd' };
}

/**
 * This boot as the completion of the reboot before it sees it, measured on
 * the machine itself: when the kernel started (now minus the uptime), when
 * PID 1 did, and when userspace was up.
 */
export async function readArrival(root: SystemRoot, programs: Programs, now = Date.now()): Promise<Arrival> {
  const kernelStartedMs = now - uptimeSeconds(root) * 1000;
  const at = (secondsAfterBoot: number) => new Date(kernelStartedMs + secondsAfterBoot * 1000).toISOString();
  const bootParams = readFileBytes(root, BOOT_PARAMS, MAX_BYTES.sysfsAttribute);
  const initStarted = processStartSeconds(readText(root, '/proc/1/stat') ?? '') ?? 0;
  const reached = underSystemd(root) ? await multiUserTimestamp(programs, 'ActiveEnterTimestampMonotonic') : undefined;
  const upSeconds = typeof reached === 'number' ? reached : undefined;
  return {
    bootId: readBootId(root),
    by: loaderOf(bootParams.kind === 'bytes' ? bootParams.bytes : undefined),
    kernelRelease: readText(root, '/proc/sys/kernel/osrelease')?.trim() ?? 'unknown',
    kernelStartedAt: at(0),
    initStartedAt: at(initStarted),
    upAt: upSeconds === undefined ? new Date(now).toISOString() : at(upSeconds),
  };
}
