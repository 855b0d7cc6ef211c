import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

/** What the bundle as shipped costs at start: node:child_process (and the stream and socket modules it pulls in) only where a program is run. */
const CLI = new URL('../../dist/kexec-reboot.cjs', import.meta.url).pathname;
const PRELOAD = new URL('../support/loaded-modules.cjs', import.meta.url).pathname;

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

function builtinsLoadedBy(...args: string[]): string[] {
  const file = path.join(fake.dir, 'fake', 'loaded-modules');
  const result = spawnSync(process.execPath, ['--require', PRELOAD, CLI, '--root', fake.dir, ...args], {
    env: { PATH: process.env.PATH, ...fake.env, LOADED_MODULES_FILE: file },
    encoding: 'utf8',
  });
  expect(result.status).toBe(0);
  return fs.readFileSync(file, 'utf8').split('\n');
}

describe('start-up of the CLI as shipped', () => {
  it.each([['status'], ['status', '--json'], ['config'], ['check'], ['history'], ['--help'], ['--version']])('%s does not load node:child_process', (...args) => {
    fake = makeFakeRoot();
    expect(builtinsLoadedBy(...args)).not.toContain('NativeModule child_process');
  });

  it('load does, to run kexec', () => {
    fake = makeFakeRoot();
    expect(builtinsLoadedBy('load')).toContain('NativeModule child_process');
  });
});
