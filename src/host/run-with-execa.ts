import { execa } from 'execa';

/** After SIGTERM, a program that still runs this long gets SIGKILL. */
const KILL_GRACE_MS = 1_000;
/** Output still arriving this long after the program exited belongs to something it left behind. */
const DRAIN_MS = 500;

export interface ProgramResult {
  /** Undefined when the program could not be started or was killed. */
  readonly exitCode: number | undefined;
  readonly timedOut: boolean;
  /** stdout and stderr together, in the order they came. */
  readonly output: string;
  /** Why the program could not be started (e.g. ENOENT). */
  readonly startError: string | undefined;
}

export interface RunOptions {
  readonly timeoutMs: number;
}

/** runProgram's work, in the bundle that holds execa. */
export async function runWithExeca(file: string, args: readonly string[], options: RunOptions): Promise<ProgramResult> {
  const subprocess = execa(file, args, {
    stdin: 'ignore',
    all: true,
    timeout: options.timeoutMs,
    forceKillAfterDelay: KILL_GRACE_MS,
    // No exit or signal handlers of execa's in this process: the hook handles
    // SIGTERM itself (src/commands/hook.ts).
    cleanup: false,
    reject: false,
    stripFinalNewline: false,
  });
  // execa waits for the output pipes to close, which a child the program left
  // running may hold open forever: once the program has exited, stop reading.
  let drain: NodeJS.Timeout | undefined;
  subprocess.once('exit', () => {
    drain = setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }, DRAIN_MS);
  });
  const result = await subprocess;
  clearTimeout(drain);
  return {
    exitCode: result.timedOut ? undefined : result.exitCode,
    timedOut: result.timedOut,
    output: (result.all ?? '').replace(/\n+$/, ''),
    // Set only when an error, not an exit code, a signal or the time limit, ended the run.
    startError: result.cause instanceof Error ? result.cause.message : undefined,
  };
}
