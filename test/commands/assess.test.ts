import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { assess } from '../../src/commands/assess.js';
import { bzImage, makeFakeRoot, KERNEL_VERSION, type FakeRoot } from '../support/fake-root.js';

/** A small seeded PRNG (mulberry32), so a failing case can be run again. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LINES = [
  'LOAD_KEXEC=true', 'LOAD_KEXEC=false', 'LOAD_KEXEC=maybe', 'USE_KEXEC=1', 'export LOAD_KEXEC=yes',
  'KERNEL_IMAGE=/vmlinuz', 'KERNEL_IMAGE="/boot/vmlinuz-6.1.0-9-amd64"', 'KERNEL_IMAGE=/nowhere', 'KERNEL_IMAGE=/loop', 'KERNEL_IMAGE=/fifo', 'KERNEL_IMAGE=',
  'INITRD=', 'INITRD=/initrd.img', "INITRD='/boot/initrd.img-6.1.0-9-amd64'", 'INITRD=/nowhere',
  'APPEND=""', 'APPEND="$(cat /proc/cmdline) panic=10"', 'APPEND=`cat /proc/cmdline`', "APPEND='a \"b\" $(id)'", 'APPEND="$APPEND x=1"',
  'USE_GRUB_CONFIG=true', 'PRELOAD=true', '# comment', '', 'APPEND="unterminated', 'reboot', 'A=1; B=2', 'X=$(id)', 'if true; then', 'FOO=bar',
];

function randomConfig(random: () => number): string | Buffer {
  const kind = random();
  if (kind < 0.1) return Buffer.from(Array.from({ length: Math.floor(random() * 4096) }, () => Math.floor(random() * 256)));
  if (kind < 0.15) return 'APPEND=' + 'x'.repeat(100_000 + Math.floor(random() * 100_000)) + '\n';
  const lines = Array.from({ length: Math.floor(random() * 12) }, () => LINES[Math.floor(random() * LINES.length)]!);
  return lines.join(random() < 0.2 ? '\r\n' : '\n') + (random() < 0.5 ? '\n' : '');
}

function randomSystem(fake: FakeRoot, random: () => number): void {
  const pick = random();
  if (pick < 0.15) fake.remove(`/boot/vmlinuz-${KERNEL_VERSION}`);
  else if (pick < 0.3) fake.write(`/boot/vmlinuz-${KERNEL_VERSION}`, 'garbage');
  else fake.write(`/boot/vmlinuz-${KERNEL_VERSION}`, bzImage());
  if (random() < 0.15) fake.remove(`/boot/initrd.img-${KERNEL_VERSION}`);
  if (random() < 0.2) fake.write('/proc/cmdline', `BOOT_IMAGE=/vmlinuz ${'opt=1 '.repeat(680)}\n`);
  if (random() < 0.1) fake.remove('/proc/cmdline');
  if (random() < 0.1) fake.write('/sys/kernel/kexec_loaded', '1\n');
  if (random() < 0.1) fake.remove('/sys/kernel/kexec_loaded');
  if (random() < 0.1) fake.write('/no-kexec-reboot', '');
  if (random() < 0.1) fake.write('/run/kexec-reboot/loaded.json', random() < 0.5 ? '{"not": "a record"}' : '\0\0garbage');
}

describe('assess, for any configuration and system state', () => {
  const fake = makeFakeRoot();
  fake.link('/loop', '/loop');
  execFileSync('mkfifo', [`${fake.dir}/fifo`]);
  afterAll(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

  it('never throws, and plans kexec with usable files or a firmware reboot with a reason', async () => {
    const random = prng(0x6b657863);
    const seen = new Set<string>();
    for (let run = 0; run < 300; run++) {
      fake.remove('/etc/default');
      fake.remove('/run/kexec-reboot');
      fake.write('/proc/cmdline', 'root=/dev/vda ro\n');
      fake.write('/sys/kernel/kexec_loaded', '0\n');
      fake.write('/etc/default/kexec', randomConfig(random));
      if (random() < 0.3) fake.write('/etc/default/kexec.d/50-snippet', randomConfig(random));
      randomSystem(fake, random);

      const { plan, target } = await assess(fake.root, fake.programs);
      const context = `run ${run}: ${JSON.stringify(plan)}`;
      seen.add(`${plan.action}:${plan.reason}`);
      expect(plan.why, context).not.toBe('');
      if (plan.action === 'kexec' && plan.reason === 'configured') {
        for (const file of [plan.load.kernel, ...plan.load.initrds]) expect(fs.statSync(fake.root.path(file)).isFile(), context).toBe(true);
        expect(plan.load.kernel, context).toBe(target.kernel.value);
        expect(plan.load.cmdline, context).not.toMatch(/BOOT_IMAGE=/);
      } else if (plan.action === 'cold') {
        expect(plan.reason, context).toMatch(/^[a-z-]+$/);
      }
    }
    // The generator must reach both outcomes and most reasons, or the property says little.
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(['kexec:configured', 'kexec:already-loaded', 'cold:config-invalid', 'cold:disabled', 'cold:kernel-unusable', 'cold:initrd-unusable', 'cold:cold-requested']),
    );
  });
});

describe('assess under kernel lockdown (Secure Boot)', () => {
  const LOCKED_DOWN = 'none [integrity] confidentiality\n';
  /** A PE fixture (test/fixtures/pe) that is a bzImage too, as an EFI-stub kernel is; the signature is not checked, only read. */
  function efiKernel(name: string): Buffer {
    const image = Buffer.from(fs.readFileSync(new URL(`../fixtures/pe/${name}`, import.meta.url)));
    image.write('HdrS', 0x202, 'latin1');
    return image;
  }
  const assessWith = async (kernel: string, lockdown: string | undefined) => {
    const fake = makeFakeRoot();
    fake.write(`/boot/vmlinuz-${KERNEL_VERSION}`, efiKernel(kernel));
    if (lockdown) fake.write('/sys/kernel/security/lockdown', lockdown);
    return assess(fake.root, fake.programs);
  };

  it('plans a firmware reboot for an unsigned kernel, saying why, before the shutdown', async () => {
    const { plan, kernelSignature } = await assessWith('tiny-stripped.efi', LOCKED_DOWN);
    expect(kernelSignature).toEqual({ unsigned: 'its certificate table is empty' });
    expect(plan).toMatchObject({ action: 'cold', reason: 'kernel-unsigned' });
    expect(plan.why).toMatch(/vmlinuz-6\.1\.0-9-amd64 is not signed .*locked down \(integrity/);
  });

  it('loads a signed kernel and says who signed it (the kernel decides the trust)', async () => {
    const { plan, kernelSignature } = await assessWith('tiny-signed.efi', LOCKED_DOWN);
    expect(kernelSignature).toEqual({ signer: 'CN=kexec-reboot test signer, O=kexec-reboot tests' });
    expect(plan).toMatchObject({ action: 'kexec', reason: 'configured' });
  });

  it('does not read signatures when the kernel is not locked down: an unsigned kernel loads', async () => {
    const { plan, kernelSignature } = await assessWith('tiny.efi', undefined);
    expect(kernelSignature).toBeUndefined();
    expect(plan).toMatchObject({ action: 'kexec', reason: 'configured' });
  });

  it('warns, and still tries, when the signature cannot be read', async () => {
    const fake = makeFakeRoot();
    fake.write('/sys/kernel/security/lockdown', LOCKED_DOWN);
    const { plan, kernelSignature } = await assess(fake.root, fake.programs);
    expect(kernelSignature).toEqual({ unusable: expect.stringMatching(/cannot read the signature .*not a PE image/) });
    expect(plan.action).toBe('kexec');
    expect(plan.warnings).toContainEqual(expect.stringMatching(/the running kernel checks it when loading/));
  });
});
