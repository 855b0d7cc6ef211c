import type { ProgramResult, RunOptions } from './run-with-execa.js';

export type { ProgramResult, RunOptions };

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
