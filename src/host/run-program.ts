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

/** After SIGTERM, a program that still runs this long gets SIGKILL. */
const KILL_GRACE_MS = 1_000;
/** Output still arriving this long after the program exited belongs to something it left behind. */
const DRAIN_MS = 500;

/**
 * Runs a program with an argument array, never through a shell, and bounds
 * its run: a program that hangs is terminated, then killed, so a caller on
 * the shutdown path always gets an answer in time.
 */
export async function runProgram(file: string, args: readonly string[], options: RunOptions): Promise<ProgramResult> {
  // Loaded here, not at start-up: with the stream and socket modules it pulls in, it costs
  // a few milliseconds that status, config and check never need.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const capture = options.stdio !== 'inherit';
    const child = spawn(file, args, {
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    let output = '';
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    let drain: NodeJS.Timeout | undefined;
    const collect = (chunk: Buffer) => (output += chunk.toString());
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);
    const finish = (exitCode: number | undefined, startError: string | undefined) => {
      clearTimeout(timer);
      clearTimeout(killer);
      clearTimeout(drain);
      resolve({ exitCode: timedOut ? undefined : exitCode, timedOut, output: output.replace(/\n+$/, ''), startError });
    };
    child.on('error', (error) => finish(undefined, error.message));
    child.on('close', (code) => finish(code ?? undefined, undefined));
    // 'close' waits for the output pipes, which a child the program left running may hold open forever.
    child.on('exit', (code) => {
      drain = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(code ?? undefined, undefined);
      }, DRAIN_MS);
    });
  });
}
