import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

// The final kexec -e: init/system-shutdown/kexec-reboot, run against a fake root (KEXEC_REBOOT_ROOT).
const SCRIPT = new URL('../../init/system-shutdown/kexec-reboot', import.meta.url).pathname;

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

function finalStep(verb: string): string[] {
  fake.write('/dev/kmsg', '');
  execFileSync('sh', [SCRIPT, verb], { env: { PATH: process.env.PATH, KEXEC_REBOOT_KEXEC: fake.programs.kexec, KEXEC_REBOOT_ROOT: fake.dir } });
  return fake.invocations('kexec').map((i) => i.argv.join(' '));
}

const loaded = () => fake.read('/sys/kernel/kexec_loaded').trim() === '1';

describe('the final step (system-shutdown hook)', () => {
  it('starts the loaded kernel on a reboot, and nothing on a poweroff or with nothing loaded', () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(finalStep('poweroff')).toEqual([]);
    expect(finalStep('reboot')).toEqual(['-e']);
    fake.write('/sys/kernel/kexec_loaded', '0\n');
    expect(finalStep('reboot')).toEqual(['-e']);
  });

  it.each(['reboot', 'kexec'])('on %s, unloads instead when /no-kexec-reboot exists, whatever the shutdown hook did', (verb) => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    fake.write('/no-kexec-reboot', '');
    expect(finalStep(verb)).toEqual(['-s -u']);
    expect(loaded()).toBe(false);
    expect(fake.read('/dev/kmsg')).toMatch(/^<13>kexec-reboot: \/no-kexec-reboot exists: unloaded the kernel, not starting it\n$/);
  });

  it('unloads under lockdown too, and starts nothing when no unload works', () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/security/lockdown', 'none [integrity] confidentiality\n');
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    fake.write('/run/kexec-reboot/no-kexec', 'cannot replace the loaded kernel: kexec -u failed\n');
    const script = fs.readFileSync(fake.programs.kexec, 'utf8');
    fs.writeFileSync(fake.programs.kexec, script.replace("'-s -u') echo 0", "'-s -u') exit 1; echo 0"));
    expect(finalStep('reboot')).toEqual(['-s -u', '-u']);
    expect(loaded()).toBe(true);
    expect(fake.read('/dev/kmsg')).toMatch(/^<13>kexec-reboot: the shutdown hook refused it \(cannot replace the loaded kernel: kexec -u failed\): the kernel could not be unloaded, not starting it\n$/);
  });
});
