import type { LoadSpec } from '../plan/plan.js';
import type { SystemRoot } from '../host/system-root.js';
import { isKernelLoaded, readLockdown } from '../host/facts.js';
import { runProgram } from '../host/run-program.js';
import { readLoadRecord, removeLoadRecord, writeLoadRecord, type KexecSyscall } from '../host/load-record.js';
import { withArrivalMarker } from '../host/kernel-cmdline.js';
import { COMBINED_INITRD, UNIFIED_KERNEL } from '../host/paths.js';
import { bootIdOf } from '../host/this-boot.js';
import { removeStateFile, writeParts, type FilePart } from './file-parts.js';
import { kexecLoadArgs, kexecUnloadArgs } from './kexec-args.js';

export interface RunOutcome {
  readonly ok: boolean;
  /** What happened, in words for the log. */
  readonly detail: string;
}

export interface LoadOutcome extends RunOutcome {
  /** The load failed and so did the unload after it: the final kexec -e would boot a kernel nobody verified. */
  readonly unverifiedKernelLoaded?: boolean;
}

export interface KexecRunner {
  /** The exact argv `load` runs first (after combining initrds): the kexec_file_load call. */
  loadArgv(spec: LoadSpec): string[];
  load(spec: LoadSpec): Promise<LoadOutcome>;
  /** Succeeds when, by the kernel's own word, nothing is loaded afterwards. */
  unload(): Promise<RunOutcome>;
}

/** What kexec-tools (2.0.25 to 2.0.31) prints for -s when the kernel cannot take the file call at all. */
const FILE_LOAD_UNAVAILABLE = /syscall kexec_file_load not available/;

/** Inside the unit's TimeoutStopSec=90 with the hook's 80 s budget spent. */
const CLEAN_UP_AFTER_FAILED_LOAD_MS = 2_000;

/** A failure followed by an unload that failed too, said the same way wherever an unload cleans up. */
export function unloadFailed(why: string, unloaded: RunOutcome): string {
  return `${why}, but the loaded kernel could not be unloaded: ${unloaded.detail}`;
}

export interface RunnerOptions {
  readonly root: SystemRoot;
  readonly kexec: string;
  /** Limit for each kexec call; under TCG a load takes seconds, on hardware well under one. */
  readonly callTimeoutMs: number;
  /** Absolute time (Date.now()) after which no call may still run: the shutdown's budget. */
  readonly deadline?: number;
}

interface CallResult {
  readonly ok: boolean;
  readonly timedOut: boolean;
  readonly output: string;
  readonly failure?: string;
}

/**
 * What the kernel's refusals of kexec_file_load mean. kexec-tools prints
 * "kexec_file_load failed: " and strerror(errno); these are the errnos of
 * the kernel's signature check (kexec_image_verify_sig and
 * verify_pefile_signature), checked under Secure Boot lockdown on Debian 12
 * and 13.
 */
const FILE_LOAD_REFUSALS: readonly { readonly said: string; readonly errno: string; readonly means: string }[] = [
  { said: 'No data available', errno: 'ENODATA', means: 'the image carries no signature' },
  { said: 'Key was rejected by service', errno: 'EKEYREJECTED', means: 'its signature does not match the image (changed after it was signed)' },
  {
    said: 'Required key not available',
    errno: 'ENOKEY',
    means: 'it is signed with a key the running kernel does not trust (none of its built-in, secondary, platform (firmware db) or machine (shim MOK) keys)',
  },
  { said: 'Bad message', errno: 'EBADMSG', means: 'its signature cannot be parsed' },
];

/** Why the kernel refused an image, in words a sysadmin can act on. */
export function explainLoadFailure(output: string, lockedDown: boolean): string {
  if (lockedDown && FILE_LOAD_UNAVAILABLE.test(output)) {
    return 'the running kernel has no kexec_file_load (built without CONFIG_KEXEC_FILE, as Debian builds its arm64 kernels), and locked down it refuses kexec_load: no kernel can be kexec-loaded while it runs';
  }
  const refusal = FILE_LOAD_REFUSALS.find(({ said }) => output.includes(said));
  if (refusal) {
    return `the running kernel refused the image${lockedDown ? ' under lockdown (Secure Boot), where only kernels signed with a key it trusts load' : ''}: ${refusal.means} (kexec: "${refusal.said}", ${refusal.errno})`;
  }
  if (/signature|Operation not permitted|EPERM/i.test(output)) {
    return lockedDown
      ? 'the running kernel refused the image: under Secure Boot lockdown only kernels signed with a key it trusts can be kexec-loaded'
      : 'the running kernel refused the image (permission denied): run as root, and check kernel lockdown (/sys/kernel/security/lockdown)';
  }
  const lastLine = output.trim().split('\n').pop();
  return lastLine ? `kexec failed: ${lastLine}` : 'kexec failed without a message';
}

export function createKexecRunner(options: RunnerOptions): KexecRunner {
  const { root } = options;
  // A unified image's own initrds come first, as systemd-stub passes them.
  const initrdParts = (spec: LoadSpec): FilePart[] => [
    ...(spec.unified?.initrds ?? []).map((section) => ({ path: spec.kernel, ...section })),
    ...spec.initrds.map((path) => ({ path })),
  ];
  const needsCombining = (spec: LoadSpec) => initrdParts(spec).length > (spec.unified ? 0 : 1);
  const initrdPath = (spec: LoadSpec): string | undefined =>
    initrdParts(spec).length === 0 ? undefined : root.path(needsCombining(spec) ? COMBINED_INITRD : spec.initrds[0]!);
  const kernelPath = (spec: LoadSpec) => root.path(spec.unified ? UNIFIED_KERNEL : spec.kernel);
  // The boot that loads names itself on the new kernel's command line: how that boot tells a kexec arrival.
  const arrivalMarker = bootIdOf(root);
  const markedCmdline = (spec: LoadSpec) => (arrivalMarker === undefined ? spec.cmdline : withArrivalMarker(spec.cmdline, arrivalMarker));
  const argvFor = (spec: LoadSpec, syscall: KexecSyscall) => kexecLoadArgs(kernelPath(spec), initrdPath(spec), markedCmdline(spec), syscall);
  const loadArgv = (spec: LoadSpec) => argvFor(spec, 'kexec_file_load');

  /** minimumMs: time a clean-up gets even when the deadline has passed. */
  async function call(args: readonly string[], minimumMs = 0): Promise<CallResult> {
    const remaining = options.deadline === undefined ? options.callTimeoutMs : options.deadline - Date.now();
    const timeout = Math.max(1, minimumMs, Math.min(options.callTimeoutMs, remaining));
    const result = await runProgram(options.kexec, args, { timeoutMs: timeout });
    return { ok: result.exitCode === 0, timedOut: result.timedOut, output: result.output, failure: result.startError };
  }

  /**
   * The unload calls to try, in order: kexec_file_load's where the kernel is
   * locked down (it refuses kexec_load's) or loaded our kernel with it,
   * kexec_load's first otherwise; either call unloads any image.
   */
  function unloadCalls(): readonly KexecSyscall[] {
    if (readLockdown(root) !== 'none') return ['kexec_file_load'];
    return readLoadRecord(root)?.syscall === 'kexec_file_load' ? ['kexec_file_load', 'kexec_load'] : ['kexec_load', 'kexec_file_load'];
  }

  async function unload(minimumMs = 0): Promise<RunOutcome> {
    const failures: string[] = [];
    for (const syscall of unloadCalls()) {
      const args = kexecUnloadArgs(syscall);
      const result = await call(args, minimumMs);
      const command = `kexec ${args.join(' ')}`;
      if (!result.ok) failures.push(result.timedOut ? `${command} did not finish in time` : `${command} failed: ${result.failure ?? result.output}`);
      if (!isKernelLoaded(root)) {
        // Only now: without its record, a kernel of ours still loaded would pass for one loaded by hand, which beats the configuration.
        removeLoadRecord(root);
        return { ok: true, detail: failures.length > 0 ? `no kernel is loaded (${failures.join('; ')})` : 'unloaded' };
      }
      if (result.ok) failures.push(`${command} returned but a kernel is still loaded`);
    }
    return { ok: false, detail: failures.join('; ') };
  }

  /**
   * Runs kexec -l, kexec_file_load first as kexec-tools does since 2.0.27
   * (the kernel then builds the boot parameters itself: EFI runtime map, ACPI
   * RSDP, Secure Boot state), and checks the kernel took the image. kexec_load
   * stands in only where kexec-tools says the file call is not available
   * (the kernel lacks it, or cannot parse this image type: ENOSYS, EINVAL,
   * ENOEXEC, ENOTSUP) and the kernel is not locked down, which would refuse
   * it; never after a signature refusal. Returns the call that loaded, or why
   * none did.
   */
  async function loadImage(spec: LoadSpec): Promise<{ readonly syscall: KexecSyscall; readonly fellBack?: string } | { readonly refusal: string }> {
    const attempt = async (syscall: KexecSyscall) => {
      const result = await call(argvFor(spec, syscall));
      if (result.timedOut) return { result, refusal: 'kexec -l did not finish in time' };
      if (result.failure) return { result, refusal: `cannot run ${options.kexec}: ${result.failure}` };
      if (!result.ok) return { result, refusal: explainLoadFailure(result.output, spec.lockedDown) };
      // kexec has been seen to report success with nothing loaded; trust only the kernel's own word.
      if (!isKernelLoaded(root)) return { result, refusal: 'kexec -l reported success but /sys/kernel/kexec_loaded says no kernel is loaded' };
      return { result };
    };
    const file = await attempt('kexec_file_load');
    if (!file.refusal) return { syscall: 'kexec_file_load' };
    if (spec.lockedDown || !FILE_LOAD_UNAVAILABLE.test(file.result.output)) return { refusal: file.refusal };
    const legacy = await attempt('kexec_load');
    return legacy.refusal ? { refusal: legacy.refusal } : { syscall: 'kexec_load', fellBack: 'kexec_file_load is not available for this kernel and image' };
  }

  /** Loads and records what was loaded; says why not, or throws on what it could not do around kexec. */
  async function loadAndRecord(spec: LoadSpec): Promise<{ readonly loaded: string } | { readonly refusal: string }> {
    // Marks a load as under way: should this process be killed half way, the
    // next look sees an unfinished load of ours, never a kernel "loaded by hand".
    writeLoadRecord(root, { loadedAt: new Date().toISOString() });
    try {
      if (spec.unified) writeParts(root, UNIFIED_KERNEL, [{ path: spec.kernel, ...spec.unified.linux }]);
      if (needsCombining(spec)) writeParts(root, COMBINED_INITRD, initrdParts(spec));
      const image = await loadImage(spec);
      if ('refusal' in image) return image;
      writeLoadRecord(root, { fingerprint: spec.fingerprint, loadedAt: new Date().toISOString(), syscall: image.syscall, ...(arrivalMarker ? { arrivalMarker } : {}) });
      const takenApart = spec.unified ? ' (a unified kernel image: its .linux section, with its own initrds)' : '';
      return { loaded: `loaded ${spec.kernel} with ${image.syscall}${image.fellBack ? ` (${image.fellBack})` : ''}${takenApart}` };
    } finally {
      // The kernel has its copy once kexec returns; /run is memory.
      removeStateFile(root, UNIFIED_KERNEL);
      removeStateFile(root, COMBINED_INITRD);
    }
  }

  async function load(spec: LoadSpec): Promise<LoadOutcome> {
    // kexec_loaded is the kernel's only word that a load took, and kexec has
    // exited 0 leaving an older image in place: that image goes first.
    if (isKernelLoaded(root)) {
      const cleared = await unload();
      if (!cleared.ok) return { ok: false, detail: `cannot replace the loaded kernel: ${cleared.detail}`, unverifiedKernelLoaded: true };
    }
    let failure: string;
    try {
      const loaded = await loadAndRecord(spec);
      if ('loaded' in loaded) return { ok: true, detail: loaded.loaded };
      failure = loaded.refusal;
    } catch (error) {
      failure = `cannot load: ${(error as Error).message}`;
    }
    // A load cut short may have left its image loaded: nothing unverified may
    // stay. A load that timed out has used up the deadline, so this unload
    // gets a little time of its own.
    if (!isKernelLoaded(root)) {
      removeLoadRecord(root);
      return { ok: false, detail: failure };
    }
    const unloaded = await unload(CLEAN_UP_AFTER_FAILED_LOAD_MS);
    return unloaded.ok ? { ok: false, detail: failure } : { ok: false, detail: unloadFailed(failure, unloaded), unverifiedKernelLoaded: true };
  }

  return { loadArgv, load, unload };
}
