import { rmSync } from 'node:fs';
import type { FileIdentity } from './inspect.js';
import type { SystemRoot } from './system-root.js';
import { LOAD_RECORD } from './paths.js';
import { MAX_BYTES, readTextFile } from './read-file.js';
import { writeStateFile } from './state-dir.js';

/**
 * What a loaded kernel was made from, so that a kernel loaded ahead of time
 * (PRELOAD=true, or `kexec-reboot load`) is booted only while it is still
 * exactly what the plan would load now.
 */
export interface Fingerprint {
  readonly kernel: FileIdentity;
  readonly initrds: readonly FileIdentity[];
  readonly cmdline: string;
  readonly lockedDown: boolean;
}

/** The call that loaded a kernel: kexec_file_load (kexec -s) first, kexec_load (kexec -c) where the kernel lacks it. */
export type KexecSyscall = 'kexec_file_load' | 'kexec_load';

/** Kept under /run while a kernel we loaded stays loaded. */
export interface LoadRecord {
  /** Absent while the load is under way, and so after one that was cut short. */
  readonly fingerprint?: Fingerprint;
  readonly loadedAt: string;
  /** Absent in records of 0.2.0, which used kexec_load unless locked down. */
  readonly syscall?: KexecSyscall;
  /** The kexec_reboot.from= value the kernel's command line carries (kernel-cmdline.ts); absent before 0.6.0. */
  readonly arrivalMarker?: string;
}

const isIdentity = (value: unknown): value is FileIdentity =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as FileIdentity).path === 'string' &&
  ['device', 'inode', 'size', 'modifiedMs'].every((key) => typeof (value as Record<string, unknown>)[key] === 'number');

function isLoadRecord(value: unknown): value is LoadRecord {
  const record = value as LoadRecord;
  return (
    typeof record?.loadedAt === 'string' &&
    (record.arrivalMarker === undefined || typeof record.arrivalMarker === 'string') &&
    (record.fingerprint === undefined ||
      (isIdentity(record.fingerprint?.kernel) &&
        Array.isArray(record.fingerprint.initrds) &&
        record.fingerprint.initrds.every(isIdentity) &&
        typeof record.fingerprint.cmdline === 'string' &&
        typeof record.fingerprint.lockedDown === 'boolean'))
  );
}

/** The record of the kernel we loaded; undefined when there is none or it cannot be read. */
export function readLoadRecord(root: SystemRoot): LoadRecord | undefined {
  const read = readTextFile(root, LOAD_RECORD, MAX_BYTES.loadRecord);
  if (read.kind !== 'text') return undefined;
  try {
    const record: unknown = JSON.parse(read.text);
    // 0.2.0's fingerprint said fileSyscall: its kernel is ours, but is checked as a load that never finished, so loaded again.
    const fromOlderVersion = (record as { fingerprint?: { fileSyscall?: unknown } })?.fingerprint?.fileSyscall !== undefined;
    if (fromOlderVersion && typeof (record as LoadRecord).loadedAt === 'string') return { loadedAt: (record as LoadRecord).loadedAt };
    return isLoadRecord(record) ? record : undefined;
  } catch {
    return undefined;
  }
}

export function writeLoadRecord(root: SystemRoot, record: LoadRecord): void {
  writeStateFile(root, LOAD_RECORD, JSON.stringify(record) + '\n');
}

export function removeLoadRecord(root: SystemRoot): void {
  rmSync(root.path(LOAD_RECORD), { force: true });
}
