import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/host/run-program.js';

describe('runProgram', () => {
  it('passes arguments as they are, with no shell in between', async () => {
    const tricky = ['$(touch /tmp/pwned)', '`id`', 'a b', "it's", '; reboot'];
    const result = await runProgram('/bin/echo', tricky, { timeoutMs: 5_000 });
    expect(result).toEqual({ exitCode: 0, timedOut: false, output: tricky.join(' '), startError: undefined });
  });

  it('captures stderr and the exit code', async () => {
    const result = await runProgram('/bin/sh', ['-c', 'echo oops >&2; exit 3'], { timeoutMs: 5_000 });
    expect(result).toMatchObject({ exitCode: 3, output: 'oops' });
  });

  it('adds to the environment', async () => {
    const result = await runProgram('/bin/sh', ['-c', 'echo "$SYSTEMCTL_SKIP_AUTO_KEXEC"'], { timeoutMs: 5_000, env: { SYSTEMCTL_SKIP_AUTO_KEXEC: '1' } });
    expect(result.output).toBe('1');
  });

  it('says why a program could not be started', async () => {
    const result = await runProgram('/nonexistent/kexec', [], { timeoutMs: 5_000 });
    expect(result).toMatchObject({ exitCode: undefined, timedOut: false, startError: expect.stringMatching(/ENOENT/) });
  });

  it('kills a program that hangs, even one that ignores SIGTERM', async () => {
    const result = await runProgram('/bin/sh', ['-c', "trap '' TERM; sleep 30 & wait"], { timeoutMs: 200 });
    expect(result).toMatchObject({ exitCode: undefined, timedOut: true });
  }, 5_000);
});
