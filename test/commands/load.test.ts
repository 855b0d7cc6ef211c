import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { load, preload, unload } from '../../src/commands/load.js';
import { assess } from '../../src/commands/assess.js';
import { makeFakeRoot, KERNEL_VERSION, type FakeRoot } from '../support/fake-root.js';

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

const KERNEL = `/boot/vmlinuz-${KERNEL_VERSION}`;
const kexecCalls = () => fake.invocations('kexec').map((i) => i.argv[0]);
const loaded = () => fake.read('/sys/kernel/kexec_loaded').trim() === '1';

describe('load', () => {
  it('loads the planned kernel, replacing one loaded before', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(await load(fake.root, fake.programs, { dryRun: false })).toEqual({ kind: 'loaded', warnings: [], outcome: { ok: true, detail: `loaded ${KERNEL} with kexec_file_load` } });
    expect(kexecCalls()).toEqual(['-u', '-s']);
  });

  it('with dryRun, gives the exact command and runs nothing', async () => {
    fake = makeFakeRoot();
    expect(await load(fake.root, fake.programs, { dryRun: true })).toMatchObject({ kind: 'dry-run', command: [fake.programs.kexec, '-s', '-l', `${fake.dir}${KERNEL}`, expect.any(String), expect.any(String)] });
    expect(kexecCalls()).toEqual([]);
  });

  it('says why there is nothing to load when the plan is a firmware reboot', async () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=0\n');
    expect(await load(fake.root, fake.programs, { dryRun: false })).toEqual({ kind: 'nothing-to-load', why: expect.stringMatching(/^LOAD_KEXEC is false/) });
    expect(kexecCalls()).toEqual([]);
  });

  it('gives the reason kexec refused the image', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('fail');
    expect(await load(fake.root, fake.programs, { dryRun: false })).toMatchObject({ kind: 'loaded', outcome: { ok: false, detail: 'kexec failed: kexec_load failed: Invalid argument' } });
  });
});

describe('unload', () => {
  it('unloads whatever is loaded', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(await unload(fake.root, fake.programs, { ifOurs: false })).toEqual({ ok: true, detail: 'unloaded' });
    expect(loaded()).toBe(false);
  });

  it('unloads with kexec -s -u where the kernel is locked down, or loaded with kexec_file_load, and checks it let go', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/security/lockdown', 'none [integrity] confidentiality\n');
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(await unload(fake.root, fake.programs, { ifOurs: false })).toEqual({ ok: true, detail: 'unloaded' });
    fake.remove('/sys/kernel/security/lockdown');
    await load(fake.root, fake.programs, { dryRun: false });
    expect(await unload(fake.root, fake.programs, { ifOurs: true })).toMatchObject({ ok: true });
    expect(fake.invocations('kexec').map((i) => i.argv.join(' ')).filter((argv) => argv.endsWith('-u'))).toEqual(['-s -u', '-s -u']);
    expect(loaded()).toBe(false);
  });

  it('with ifOurs, unloads only the kernel kexec-reboot loaded', async () => {
    fake = makeFakeRoot();
    await load(fake.root, fake.programs, { dryRun: false });
    expect(await unload(fake.root, fake.programs, { ifOurs: true })).toEqual({ ok: true, detail: expect.stringMatching(/^unloaded the kernel kexec-reboot loaded at \S+$/) });
    expect(loaded()).toBe(false);
  });

  it('with ifOurs, leaves a kernel loaded by hand and succeeds when none is loaded', async () => {
    fake = makeFakeRoot();
    expect(await unload(fake.root, fake.programs, { ifOurs: true })).toEqual({ ok: true, detail: 'no kernel is loaded: nothing to unload' });
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(await unload(fake.root, fake.programs, { ifOurs: true })).toEqual({ ok: true, detail: 'the loaded kernel was loaded by hand, not by kexec-reboot: left loaded' });
    expect(kexecCalls()).toEqual([]);
    expect(loaded()).toBe(true);
  });
});

describe('preload', () => {
  it('does nothing with PRELOAD off, and says where that came from', async () => {
    fake = makeFakeRoot();
    expect(await preload(fake.root, fake.programs)).toEqual({ ran: false, why: 'PRELOAD is false (default): nothing to do' });
    expect(kexecCalls()).toEqual([]);
  });

  it('with PRELOAD=true, loads now, and only once while nothing it is made from changes', async () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'PRELOAD=true\n');
    expect(await preload(fake.root, fake.programs)).toMatchObject({ ran: true, outcome: { path: 'kexec', message: expect.stringMatching(`^loaded ${KERNEL}`) } });
    expect(await preload(fake.root, fake.programs)).toMatchObject({ ran: true, outcome: { path: 'kexec' } });
    expect(kexecCalls()).toEqual(['-s']);
  });

  // systemd's path unit does not start the service again for a change made
  // while it runs: seen in a VM, PRELOAD=true written while a preload
  // (started by a repointed /vmlinuz) was still running was never loaded.
  it('looks again after acting, and loads what changed while it was deciding', async () => {
    fake = makeFakeRoot();
    const before = await assess(fake.root, fake.programs);
    fake.write('/etc/default/kexec', 'PRELOAD=true\n');
    expect(await preload(fake.root, fake.programs, before)).toMatchObject({ ran: true, outcome: { path: 'kexec', message: expect.stringMatching(`^loaded ${KERNEL}`) } });
    expect(loaded()).toBe(true);
  });

  /**
   * PRELOAD=true, kernels b and c beside the running one, and a kexec that
   * runs `onLoad` (sh, given the image as $3) at each load before loading:
   * what a kernel install does meanwhile.
   */
  const preloadWhileChanging = async (onLoad: string) => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'PRELOAD=true\n');
    for (const version of ['b', 'c']) fake.write(`/boot/vmlinuz-${version}`, fs.readFileSync(`${fake.dir}${KERNEL}`));
    const kexec = `${fake.dir}/fake/kexec-meanwhile`;
    fs.writeFileSync(kexec, `#!/bin/sh\nif [ "$2" = -l ]; then\n${onLoad}\nfi\nexec '${fake.programs.kexec}' "$@"\n`, { mode: 0o755 });
    await preload(fake.root, { ...fake.programs, kexec });
    return fake.invocations('kexec').filter((i) => i.argv[0] === '-s' && i.argv[1] === '-l').map((i) => i.argv[2]);
  };

  it('keeps looking while what it loads keeps changing under it, as a kernel install does, and loads the last', async () => {
    // /vmlinuz repointed during the first load and during the second.
    const loads = await preloadWhileChanging(`
  n=$(($(cat "\${0%/*}/loads" 2>/dev/null || echo 0) + 1)); echo $n > "\${0%/*}/loads"
  case $n in 1) ln -sfn boot/vmlinuz-b "\${0%/*}/../vmlinuz" ;; 2) ln -sfn boot/vmlinuz-c "\${0%/*}/../vmlinuz" ;; esac`);
    expect(loads).toEqual([`${fake.dir}${KERNEL}`, `${fake.dir}/boot/vmlinuz-b`, `${fake.dir}/boot/vmlinuz-c`]);
  });

  it('stops looking after a few rounds when what it loads never stops changing', async () => {
    const loads = await preloadWhileChanging(`  case "$3" in *-b) ln -sfn boot/vmlinuz-c "\${0%/*}/../vmlinuz" ;; *) ln -sfn boot/vmlinuz-b "\${0%/*}/../vmlinuz" ;; esac`);
    expect(loads).toHaveLength(5);
  });

  it('loads again when the kernel changed while it was loading; a refused load is not tried twice', async () => {
    const fileLoads = () => fake.invocations('kexec').filter((i) => i.argv[0] === '-s' && i.argv[1] === '-l');
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'PRELOAD=true\n');
    const before = await assess(fake.root, fake.programs);
    fake.write('/boot/vmlinuz-6.1.0-10-amd64', fs.readFileSync(`${fake.dir}${KERNEL}`));
    fake.link('/vmlinuz', 'boot/vmlinuz-6.1.0-10-amd64');
    await preload(fake.root, fake.programs, before);
    expect(fileLoads().map((i) => i.argv[2])).toEqual([`${fake.dir}${KERNEL}`, `${fake.dir}/boot/vmlinuz-6.1.0-10-amd64`]);
    fake.setKexecMode('fail');
    fake.link('/vmlinuz', `boot/vmlinuz-${KERNEL_VERSION}`);
    await preload(fake.root, fake.programs);
    expect(fileLoads()).toHaveLength(3);
  });
});
