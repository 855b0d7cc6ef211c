import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLockdown, readSystemFacts } from '../../src/host/facts.js';
import { LOCKDOWN } from '../../src/host/paths.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

describe('parseLockdown', () => {
  it.each([
    ['[none] integrity confidentiality\n', 'none'],
    ['none [integrity] confidentiality\n', 'integrity'],
    ['none integrity [confidentiality]\n', 'confidentiality'],
    [undefined, 'none'],
  ] as const)('%j -> %s', (text, mode) => expect(parseLockdown(text)).toBe(mode));
});

describe('readSystemFacts', () => {
  let fake: FakeRoot;
  afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

  it('reads sysfs attributes without blocking: a FIFO or a device counts as unreadable', () => {
    fake = makeFakeRoot();
    fake.remove('/sys/kernel/kexec_loaded');
    execFileSync('mkfifo', [`${fake.dir}/sys/kernel/kexec_loaded`]);
    fake.link(LOCKDOWN, '/dev/zero');
    expect(readSystemFacts(fake.root, fake.programs)).toMatchObject({ kexecSupported: true, kernelLoaded: false, lockdown: 'none' });
  }, 2000);
});
