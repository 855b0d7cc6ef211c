import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runProgram } from '../../src/host/run-program.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

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

  it('says why a program could not be started', async () => {
    const result = await runProgram('/nonexistent/kexec', [], { timeoutMs: 5_000 });
    expect(result).toMatchObject({ exitCode: undefined, timedOut: false, startError: expect.stringMatching(/ENOENT/) });
  });

  it('kills a program that hangs, even one that ignores SIGTERM', async () => {
    const result = await runProgram('/bin/sh', ['-c', "trap '' TERM; sleep 30 & wait"], { timeoutMs: 200 });
    expect(result).toMatchObject({ exitCode: undefined, timedOut: true });
  }, 5_000);

  it('answers once the program exits, though a child it left running holds its output open', async () => {
    const result = await runProgram('/bin/sh', ['-c', 'echo started; sleep 30 & exit 0'], { timeoutMs: 10_000 });
    expect(result).toEqual({ exitCode: 0, timedOut: false, output: 'started', startError: undefined });
  }, 5_000);

  it('is how src/ runs programs: no module there imports node:child_process', () => {
    const src = new URL('../../src/', import.meta.url).pathname;
    const importers = fs
      .readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && /\b(from|import\(|require\()\s*['"](node:)?child_process['"]/.test(fs.readFileSync(path.join(src, file), 'utf8')));
    expect(importers).toEqual([]);
  });
});

describe('the runner bundle (execa) in the shipped program', () => {
  const cli = new URL('../../dist/kexec-reboot.cjs', import.meta.url).pathname;
  const runnerBundle = new URL('../../dist/lib/run-program.cjs', import.meta.url).pathname;
  let fake: FakeRoot;
  afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

  /** The files and Node's own modules a run of the bundle loaded, by require.cache and process.moduleLoadList at exit. */
  function modulesLoadedBy(command: string) {
    fake = makeFakeRoot();
    const report = path.join(fake.dir, 'loaded.json');
    const preload = path.join(fake.dir, 'report-loaded.cjs');
    fs.writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));`,
    );
    const run = spawnSync(process.execPath, ['--require', preload, cli, '--root', fake.dir, command], { env: { PATH: process.env.PATH, ...fake.env } });
    expect(run.error).toBeUndefined();
    const loaded = JSON.parse(fs.readFileSync(report, 'utf8')) as { files: string[]; builtins: string[] };
    return { runner: loaded.files.includes(runnerBundle), childProcess: loaded.builtins.includes('NativeModule child_process') };
  }

  it.each(['status', 'config', 'check'])('is not loaded by %s, nor is node:child_process', (command) => {
    expect(modulesLoadedBy(command)).toEqual({ runner: false, childProcess: false });
  });

  it('is loaded by load, which runs kexec', () => {
    expect(modulesLoadedBy('load')).toEqual({ runner: true, childProcess: true });
    expect(fake.invocations('kexec')).toHaveLength(1);
  });
});
