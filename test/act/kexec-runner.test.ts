import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { createKexecRunner, explainLoadFailure } from '../../src/act/kexec-runner.js';
import { cpio, makeFakeRoot, type FakeRoot } from '../support/fake-root.js';
import { loadSpec } from '../support/load-spec.js';
import { readLoadRecord } from '../../src/host/load-record.js';

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

const spec = loadSpec();
const runnerFor = (f: FakeRoot, callTimeoutMs = 5_000) => createKexecRunner({ root: f.root, kexec: f.programs.kexec, callTimeoutMs });

/** A kexec whose -u fails and leaves the kernel loaded, as when the kernel is busy. */
function refuseUnload(f: FakeRoot) {
  const script = fs.readFileSync(f.programs.kexec, 'utf8');
  fs.writeFileSync(f.programs.kexec, script.replace('\ncase "$*" in\n', `\ncase "$*" in\n  -u|'-s -u') echo 'kexec_unload failed: Device or resource busy' >&2; exit 1 ;;\n`));
}

const lockedDown = (f: FakeRoot) => f.write('/sys/kernel/security/lockdown', 'none [integrity] confidentiality\n');

describe('createKexecRunner', () => {
  it('loads with the exact argv and checks the kernel took it', async () => {
    fake = makeFakeRoot();
    const outcome = await runnerFor(fake).load(spec);
    expect(outcome).toEqual({ ok: true, detail: 'loaded /boot/vmlinuz-6.1.0-9-amd64 with kexec_file_load' });
    expect(fake.invocations('kexec').map((i) => i.argv)).toEqual([
      ['-s', '-l', `${fake.dir}/boot/vmlinuz-6.1.0-9-amd64`, `--initrd=${fake.dir}/boot/initrd.img-6.1.0-9-amd64`, '--append=root=/dev/vda ro'],
    ]);
    expect(readLoadRecord(fake.root)?.fingerprint).toEqual(spec.fingerprint);
  });

  it('leaves no older image loaded after a failed load', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    fake.setKexecMode('fail');
    expect((await runnerFor(fake).load(spec)).ok).toBe(false);
    expect(fake.invocations('kexec').map((i) => i.argv[0])).toEqual(['-u', '-s']);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('0');
  });

  it('marks a load as under way while kexec runs', async () => {
    fake = makeFakeRoot();
    const kexecScript = fs.readFileSync(fake.programs.kexec, 'utf8');
    fs.writeFileSync(fake.programs.kexec, kexecScript.replace('#!/bin/sh\n', `#!/bin/sh\ncp '${fake.dir}/run/kexec-reboot/loaded.json' '${fake.dir}/fake/record-during-load' 2>/dev/null\n`));
    await runnerFor(fake).load(spec);
    expect(JSON.parse(fake.read('/fake/record-during-load'))).toEqual({ loadedAt: expect.any(String) });
    expect(readLoadRecord(fake.root)?.fingerprint).toEqual(spec.fingerprint);
  });

  it('forgets what it loaded once a load fails or it unloads', async () => {
    fake = makeFakeRoot();
    const runner = runnerFor(fake);
    await runner.load(spec);
    fake.setKexecMode('fail');
    await runner.load(spec);
    expect(readLoadRecord(fake.root)).toBeUndefined();
    fake.setKexecMode('ok');
    await runner.load(spec);
    await runner.unload();
    expect(readLoadRecord(fake.root)).toBeUndefined();
  });

  it('does not believe a kexec that says it loaded when nothing is loaded', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('lie');
    expect(await runnerFor(fake).load(spec)).toMatchObject({ ok: false, detail: expect.stringMatching(/says no kernel is loaded/) });
  });

  it('reports a refused image with kexec\'s own words', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('fail');
    expect(await runnerFor(fake).load(spec)).toEqual({ ok: false, detail: 'kexec failed: kexec_load failed: Invalid argument' });
  });

  it('explains a signature refusal under lockdown', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('eperm');
    const outcome = await runnerFor(fake).load(loadSpec({ lockedDown: true }));
    expect(outcome.detail).toMatch(/Secure Boot lockdown/);
    expect(fake.invocations('kexec')[0]!.argv[0]).toBe('-s');
  });

  it('falls back to kexec_load where kexec-tools says the file call is not available, and records which call loaded', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('no-file-load');
    expect(await runnerFor(fake).load(spec)).toEqual({
      ok: true,
      detail: 'loaded /boot/vmlinuz-6.1.0-9-amd64 with kexec_load (kexec_file_load is not available for this kernel and image)',
    });
    expect(fake.invocations('kexec').map((i) => i.argv[0])).toEqual(['-s', '-c']);
    expect(readLoadRecord(fake.root)).toMatchObject({ syscall: 'kexec_load', fingerprint: spec.fingerprint });
  });

  it('never falls back to kexec_load when the kernel is locked down, which refuses it', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('no-file-load');
    const outcome = await runnerFor(fake).load(loadSpec({ lockedDown: true }));
    expect(outcome).toMatchObject({ ok: false, detail: expect.stringMatching(/^the running kernel has no kexec_file_load .* locked down it refuses kexec_load/) });
    expect(fake.invocations('kexec').map((i) => i.argv[0])).toEqual(['-s']);
  });

  it('does not fall back after a signature refusal', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('eperm');
    await runnerFor(fake).load(spec);
    expect(fake.invocations('kexec').map((i) => i.argv[0])).toEqual(['-s']);
  });

  it('gives up on a hanging kexec within its limit and unloads whatever it may have left', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('hang');
    const outcome = await runnerFor(fake, 500).load(spec);
    expect(outcome).toEqual({ ok: false, detail: 'kexec -l did not finish in time' });
    expect(fake.invocations('kexec').map((i) => i.argv[0])).toEqual(['-s']);
  }, 4_000);

  it('respects the overall deadline over the per-call limit', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('hang');
    const runner = createKexecRunner({ root: fake.root, kexec: fake.programs.kexec, callTimeoutMs: 60_000, deadline: Date.now() + 300 });
    expect(await runner.load(spec)).toMatchObject({ ok: false });
  }, 4_000);

  it('gives the unload after a load that used up the deadline time of its own', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    fake.setKexecMode('hang');
    // An unload that takes a moment, as a real kexec -u does (process start, syscall).
    const script = fs.readFileSync(fake.programs.kexec, 'utf8');
    fs.writeFileSync(fake.programs.kexec, script.replace('-u) case', '-u) sleep 0.2; case'));
    const runner = createKexecRunner({ root: fake.root, kexec: fake.programs.kexec, callTimeoutMs: 60_000, deadline: Date.now() + 300 });
    expect(await runner.load(spec)).toEqual({ ok: false, detail: 'kexec -l did not finish in time' });
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('0');
  }, 6_000);

  it('reports a kexec program that cannot be run', async () => {
    fake = makeFakeRoot();
    const runner = createKexecRunner({ root: fake.root, kexec: `${fake.dir}/no/such/kexec`, callTimeoutMs: 1_000 });
    expect((await runner.load(spec)).detail).toMatch(/^cannot run .*no\/such\/kexec/);
  });

  it('combines several initrds into one file in order, and removes it afterwards', async () => {
    fake = makeFakeRoot();
    fake.write('/boot/amd-ucode.img', cpio('MICROCODE|'));
    const runner = runnerFor(fake);
    const multi = loadSpec({ initrds: ['/boot/amd-ucode.img', '/boot/initrd.img-6.1.0-9-amd64'] });
    expect(runner.loadArgv(multi)[3]).toBe(`--initrd=${fake.dir}/run/kexec-reboot/initrd.img`);
    // Capture the combined file as kexec sees it by making the fake copy it.
    const kexecScript = fs.readFileSync(fake.programs.kexec, 'utf8');
    fs.writeFileSync(fake.programs.kexec, kexecScript.replace('#!/bin/sh\n', `#!/bin/sh\ncp "$(echo "$4" | cut -d= -f2-)" '${fake.dir}/fake/seen-initrd'\n`));
    expect((await runner.load(multi)).ok).toBe(true);
    expect(fake.read('/fake/seen-initrd')).toBe(cpio('MICROCODE|') + cpio('initramfs'));
    expect(fake.exists('/run/kexec-reboot/initrd.img')).toBe(false);
  });

  it('keeps its load record while kexec -u has not succeeded, so its kernel never looks loaded by hand', async () => {
    fake = makeFakeRoot();
    const runner = runnerFor(fake);
    await runner.load(spec);
    refuseUnload(fake);
    expect(await runner.unload()).toMatchObject({ ok: false, detail: expect.stringMatching(/^kexec -s -u failed: kexec_unload failed.*; kexec -u failed: kexec_unload failed/) });
    expect(readLoadRecord(fake.root)?.fingerprint).toEqual(spec.fingerprint);
  });

  it('says so when the kernel left by a failed load cannot be unloaded', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('fail');
    // The image goes just after the load, as when a kernel is busy only for a moment.
    const script = fs.readFileSync(fake.programs.kexec, 'utf8');
    fs.writeFileSync(fake.programs.kexec, script.replace("fail) echo", `fail) echo 1 > '${fake.dir}/sys/kernel/kexec_loaded'; echo`));
    refuseUnload(fake);
    expect(await runnerFor(fake).load(spec)).toEqual({
      ok: false,
      detail:
        'kexec failed: kexec_load failed: Invalid argument, but the loaded kernel could not be unloaded: kexec -u failed: kexec_unload failed: Device or resource busy; kexec -s -u failed: kexec_unload failed: Device or resource busy',
      unverifiedKernelLoaded: true,
    });
  });

  it('turns a load record it cannot write into a failed load, without running kexec -l', async () => {
    fake = makeFakeRoot();
    fake.write('/run/kexec-reboot/.keep', '');
    fs.chmodSync(`${fake.dir}/run/kexec-reboot`, 0o777);
    const outcome = await runnerFor(fake).load(spec);
    expect(outcome).toMatchObject({ ok: false, detail: expect.stringMatching(/^cannot load: \/run\/kexec-reboot is not a directory owned by uid \d+ and closed to others/) });
    expect(fake.invocations('kexec')).toEqual([]);
  });

  it('unloads with kexec -s -u under lockdown, which refuses the kexec_load call kexec -u makes', async () => {
    fake = makeFakeRoot();
    lockedDown(fake);
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(await runnerFor(fake).unload()).toEqual({ ok: true, detail: 'unloaded' });
    expect(fake.invocations('kexec').map((i) => i.argv)).toEqual([['-s', '-u']]);
  });

  it('unloads a kernel it loaded with kexec_file_load with kexec -s -u, and falls back to kexec -u where that leaves it loaded', async () => {
    fake = makeFakeRoot();
    const runner = runnerFor(fake);
    await runner.load(spec);
    expect(await runner.unload()).toEqual({ ok: true, detail: 'unloaded' });
    expect(fake.invocations('kexec').map((i) => i.argv).slice(1)).toEqual([['-s', '-u']]);
    await runner.load(spec);
    // A kexec -s -u that leaves the kernel loaded (kexec-tools without the file call's unload).
    const script = fs.readFileSync(fake.programs.kexec, 'utf8');
    fs.writeFileSync(fake.programs.kexec, script.replace("'-s -u') echo 0", "'-s -u') echo 1"));
    expect(await runner.unload()).toEqual({ ok: true, detail: 'no kernel is loaded (kexec -s -u returned but a kernel is still loaded)' });
    expect(fake.invocations('kexec').map((i) => i.argv).slice(3)).toEqual([['-s', '-u'], ['-u']]);
  });

  it('unloads an older image before loading, so that kexec_loaded proves the new one took', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    // kexec exits 0 without replacing the image: only an unload first shows it.
    fake.setKexecMode('lie');
    expect(await runnerFor(fake).load(spec)).toMatchObject({ ok: false, detail: expect.stringMatching(/says no kernel is loaded/) });
    const [first, second] = fake.invocations('kexec').map((i) => i.argv);
    expect(first).toEqual(['-u']);
    expect(second?.slice(0, 2)).toEqual(['-s', '-l']);
  });

  it('loads nothing over an older image it cannot unload', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    refuseUnload(fake);
    expect(await runnerFor(fake).load(spec)).toMatchObject({ ok: false, unverifiedKernelLoaded: true, detail: expect.stringMatching(/^cannot replace the loaded kernel: kexec -u failed/) });
    expect(fake.invocations('kexec').map((i) => i.argv).some((argv) => argv.includes('-l'))).toBe(false);
  });

  it('unloads and checks the kernel let go', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(await runnerFor(fake).unload()).toEqual({ ok: true, detail: 'unloaded' });
    expect(fake.invocations('kexec').map((i) => i.argv)).toEqual([['-u']]);
  });
});

describe('explainLoadFailure', () => {
  it('says what a permission refusal means without lockdown', () => {
    expect(explainLoadFailure('kexec_load failed: Operation not permitted', false)).toMatch(/run as root/);
  });

  it.each([
    ['No data available', 'ENODATA', /carries no signature/],
    ['Key was rejected by service', 'EKEYREJECTED', /does not match the image/],
    ['Required key not available', 'ENOKEY', /key the running kernel does not trust/],
    ['Bad message', 'EBADMSG', /cannot be parsed/],
  ])('decodes the kernel\'s "%s" (%s) under lockdown', (said, errno, means) => {
    const explained = explainLoadFailure(`kexec_file_load failed: ${said}\n`, true);
    expect(explained).toMatch(/^the running kernel refused the image under lockdown \(Secure Boot\)/);
    expect(explained).toMatch(means);
    expect(explained).toContain(`(kexec: "${said}", ${errno})`);
  });
});
