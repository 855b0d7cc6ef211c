import { mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import * as v from 'valibot';
import type { SystemRoot } from './system-root.js';
import { HISTORY_FILE, HISTORY_LOCK } from './paths.js';
import { withLock } from './lock.js';
import { replaceFile } from './atomic-write.js';
import { MAX_BYTES, readTrustedTextFile, whyUnread } from './read-file.js';

const FileIdentitySchema = v.object({ path: v.string(), device: v.number(), inode: v.number(), size: v.number(), modifiedMs: v.number() });
const Timestamp = v.pipe(v.string(), v.isoTimestamp());

/** Written by the shutdown hook, before the hand-over, while filesystems are writable. */
const RebootRequestSchema = v.object({
  /** The boot that asked for the reboot (/proc/sys/kernel/random/boot_id). */
  bootId: v.string(),
  requestedAt: Timestamp,
  /** systemd: when multi-user.target began to stop, which is when the shutdown began; hook: when the hook started. */
  requestedFrom: v.picklist(['systemd', 'hook']),
  verb: v.picklist(['reboot', 'kexec']),
  /** How the hook left the reboot to end. */
  path: v.picklist(['kexec', 'firmware']),
  why: v.string(),
  /** The kernel a kexec starts, when kexec-reboot knows it (not for a kernel loaded by hand). */
  kernel: v.optional(v.string()),
  initrds: v.optional(v.array(v.string())),
  cmdline: v.optional(v.string()),
  /** Which file that kernel was: a pause holds for this file only. */
  kernelIdentity: v.optional(FileIdentitySchema),
  /** The marker that kernel's command line carries (the boot id of the boot that loaded it); absent for one loaded by hand or before 0.6.0. */
  arrivalMarker: v.optional(v.string()),
});

/**
 * The boot that followed, as it came up: found by that boot itself (its
 * shutdown hook, boot-complete, resume), or by a later one from the mark it
 * left early in its boot (boot-marks.ts).
 */
const ArrivalSchema = v.object({
  bootId: v.string(),
  /** Who started this kernel, by the x86 boot protocol's type_of_loader; unknown where there is none (arm64). */
  by: v.picklist(['kexec', 'firmware', 'unknown']),
  /** The boot whose kexec-reboot loaded this kernel, by the marker on its command line (kernel-cmdline.ts); absent without one. */
  kexecFrom: v.optional(v.string()),
  kernelRelease: v.string(),
  kernelStartedAt: Timestamp,
  /** The kernel ran init (the initramfs's /init, which becomes the init system), by its log. Not in a boot's early mark. */
  initStartedAt: v.optional(Timestamp),
  /** systemd: multi-user.target reached; sysvinit: the boot's init scripts run. Only boot-complete knows it. */
  upAt: v.optional(Timestamp),
});

const ENDINGS = ['kexec', 'firmware', 'kexec-failed', 'unrecorded', 'unknown'] as const;

const RebootEntrySchema = v.object({
  /** Absent for a boot no recorded reboot led to: a crash, a power cut, a power-on, a reboot without the hook. */
  request: v.optional(RebootRequestSchema),
  /** Absent until the next boot completes the entry. */
  arrival: v.optional(ArrivalSchema),
  /**
   * How the reboot really ended, known with the arrival; kexec-failed: planned a kexec, came back through
   * firmware; unknown: the arrival could not be told (no marker of ours, no boot_params), so neither path is claimed.
   */
  ended: v.optional(v.picklist(ENDINGS)),
});

const KexecPauseSchema = v.object({
  kernel: FileIdentitySchema,
  since: Timestamp,
  why: v.string(),
});

const HistorySchema = v.object({
  /** Oldest first. */
  reboots: v.array(RebootEntrySchema),
  /** Since the history began, never trimmed: what the metrics' counters report. */
  counts: v.object({
    kexec: v.number(),
    firmware: v.number(),
    'kexec-failed': v.number(),
    unrecorded: v.number(),
    // Counted since 0.4.0: a history from before has none.
    unknown: v.optional(v.number(), 0),
  } satisfies Record<(typeof ENDINGS)[number], unknown>),
  pause: v.optional(KexecPauseSchema),
});

export type RebootRequest = v.InferOutput<typeof RebootRequestSchema>;
export type Arrival = v.InferOutput<typeof ArrivalSchema>;
export type RebootEntry = v.InferOutput<typeof RebootEntrySchema>;
export type RebootEnding = (typeof ENDINGS)[number];
export type KexecPause = v.InferOutput<typeof KexecPauseSchema>;
export type History = v.InferOutput<typeof HistorySchema>;

export const EMPTY_HISTORY: History = { reboots: [], counts: { kexec: 0, firmware: 0, 'kexec-failed': 0, unrecorded: 0, unknown: 0 } };

/** The history, or an empty one and why the file could not be used. */
export interface HistoryReading {
  readonly history: History;
  readonly problem?: string;
}

export function readHistory(root: SystemRoot): HistoryReading {
  // It decides whether kexec is paused: whoever could write it could unpause a kernel that does not come up.
  const read = readTrustedTextFile(root, HISTORY_FILE, MAX_BYTES.history);
  if (read.kind === 'missing') return { history: EMPTY_HISTORY };
  if (read.kind !== 'text') return { history: EMPTY_HISTORY, problem: whyUnread(HISTORY_FILE, read) };
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch (error) {
    return { history: EMPTY_HISTORY, problem: `${HISTORY_FILE}: not JSON (${(error as Error).message})` };
  }
  const parsed = v.safeParse(HistorySchema, json);
  if (parsed.success) return { history: parsed.output };
  const issue = parsed.issues[0];
  return { history: EMPTY_HISTORY, problem: `${HISTORY_FILE}: not a history kexec-reboot wrote (${v.getDotPath(issue) ?? 'top level'}: ${issue.message})` };
}

/**
 * Replaces the history atomically (atomic-write.ts). A file that could not be
 * read is kept beside it as history.json.unreadable, not lost.
 */
export function writeHistory(root: SystemRoot, history: History, { keepUnreadable = false } = {}): void {
  const file = root.path(HISTORY_FILE);
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  if (keepUnreadable) renameSync(file, `${file}.unreadable`);
  replaceFile(file, JSON.stringify(history, null, 1) + '\n', 0o644);
}

/**
 * Reads, changes and writes the history in one go, one process at a time: two
 * at once would each write what they read, and one change would be lost. An
 * unreadable file is set aside and the history starts again: `problem` says why.
 */
export function updateHistory<T extends { readonly history: History }>(root: SystemRoot, change: (history: History) => T | undefined): (T & { readonly problem?: string }) | undefined {
  return withLock(root, HISTORY_LOCK, () => {
    const { history, problem } = readHistory(root);
    const changed = change(history);
    if (changed) writeHistory(root, changed.history, { keepUnreadable: problem !== undefined });
    return changed && { ...changed, ...(problem ? { problem } : {}) };
  });
}
