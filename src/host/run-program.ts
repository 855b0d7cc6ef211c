export interface ProgramResult {
  /** Undefined when the program could not be started or was killed. */
  readonly exitCode: number | undefined;
  readonly timedOut: boolean;
  /** stdout and stderr as they came, when captured. */
  readonly output: string;
  /** Why the program could not be started (e.g. ENOENT). */
  readonly startError: string | undefined;
}

export interface RunOptions {
  readonly timeoutMs: number;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** 'inherit' hands the terminal to the program (reboot prints there). */
  readonly stdio?: 'capture' | 'inherit';
}

/**
 * Runs a program with an argument array, never through a shell, and bounds
 * its run: a program that hangs is terminated, then killed, so a caller on
 * the shutdown path always gets an answer in time.
 */
export async function runProgram(file: string, args: readonly string[], options: RunOptions): Promise<ProgramResult> {
  // Loaded here, not at start-up: execa, with node:child_process and the stream
  // modules under it, is a bundle of its own (scripts/build.mjs) that status,
  // config and check never read.
  const { runWithExeca } = await import('./run-with-execa.js');
  return runWithExeca(file, args, options);
}
