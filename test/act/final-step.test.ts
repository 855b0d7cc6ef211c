import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { settleFinalStep } from '../../src/act/final-step.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

const unverified = { path: 'kexec', message: 'a load failed, but the loaded kernel could not be unloaded: busy', unverifiedKernelLoaded: true } as const;

describe('settleFinalStep', () => {
  it('leaves word for the final step not to start a kernel nobody verified, and takes it back once one is', () => {
    fake = makeFakeRoot();
    expect(settleFinalStep(fake.root, unverified)).toEqual({ path: 'firmware', message: `${unverified.message}; the final kexec -e will not start it` });
    expect(fake.read('/run/kexec-reboot/no-kexec')).toBe(`${unverified.message}\n`);
    const verified = { path: 'kexec', message: 'loaded /boot/vmlinuz-6.1.0-9-amd64 with kexec_file_load' } as const;
    expect(settleFinalStep(fake.root, verified)).toBe(verified);
    expect(fake.exists('/run/kexec-reboot/no-kexec')).toBe(false);
  });

  it('says the kernel will start when that word cannot be left', () => {
    fake = makeFakeRoot();
    fake.write('/run/kexec-reboot/.keep', '');
    fs.chmodSync(`${fake.dir}/run/kexec-reboot`, 0o777);
    expect(settleFinalStep(fake.root, unverified)).toMatchObject({ path: 'kexec', message: expect.stringMatching(/; \/run\/kexec-reboot\/no-kexec cannot be written \(.*\), so the final kexec -e will start it$/) });
  });
});
