import { describe, expect, it } from 'vitest';
import { carryOut } from '../../src/act/carry-out.js';
import type { KexecRunner, LoadOutcome, RunOutcome } from '../../src/act/kexec-runner.js';
import type { LoadSpec, Plan } from '../../src/plan/plan.js';
import { loadSpec } from '../support/load-spec.js';

const load: LoadSpec = loadSpec();

function recordingRunner(loadResult: LoadOutcome, unloadResult: RunOutcome = { ok: true, detail: 'unloaded' }) {
  const calls: string[] = [];
  const runner: KexecRunner = {
    loadArgv: () => [],
    load: async () => (calls.push('load'), loadResult),
    unload: async () => (calls.push('unload'), unloadResult),
  };
  return { runner, calls };
}

describe('carryOut', () => {
  it('loads for a kexec plan and reports kexec', async () => {
    const { runner, calls } = recordingRunner({ ok: true, detail: 'loaded /boot/vmlinuz' });
    const plan: Plan = { action: 'kexec', reason: 'configured', why: 'LOAD_KEXEC is true (default)', load, warnings: [] };
    expect(await carryOut(plan, runner, false)).toEqual({ path: 'kexec', message: 'loaded /boot/vmlinuz (LOAD_KEXEC is true (default))' });
    expect(calls).toEqual(['load']);
  });

  it('turns a failed load into a firmware reboot with the reason', async () => {
    const { runner } = recordingRunner({ ok: false, detail: 'kexec failed: bad image' });
    const plan: Plan = { action: 'kexec', reason: 'configured', why: 'x', load, warnings: [] };
    expect(await carryOut(plan, runner, false)).toEqual({ path: 'firmware', message: 'kexec failed: bad image' });
  });

  it('marks a kernel that a failed load left and that could not be unloaded, for the final step to refuse', async () => {
    const detail = 'kexec failed: bad image, but the loaded kernel could not be unloaded: kexec -u did not finish in time';
    const { runner } = recordingRunner({ ok: false, detail, unverifiedKernelLoaded: true });
    const plan: Plan = { action: 'kexec', reason: 'configured', why: 'x', load, warnings: [] };
    expect(await carryOut(plan, runner, false)).toEqual({ path: 'kexec', message: detail, unverifiedKernelLoaded: true });
  });

  it('leaves a kernel loaded by hand alone', async () => {
    const { runner, calls } = recordingRunner({ ok: true, detail: '' });
    const plan: Plan = { action: 'kexec', reason: 'already-loaded', why: 'loaded by hand', warnings: [] };
    expect((await carryOut(plan, runner, true)).path).toBe('kexec');
    expect(calls).toEqual([]);
  });

  it('unloads for a cold plan when something is loaded, and says so when it cannot', async () => {
    const plan: Plan = { action: 'cold', reason: 'cold-requested', why: '/no-kexec-reboot exists: a firmware restart was asked for (by coldreboot, or by hand)', warnings: [] };
    const ok = recordingRunner({ ok: true, detail: '' });
    expect(await carryOut(plan, ok.runner, true)).toEqual({ path: 'firmware', message: plan.why });
    expect(ok.calls).toEqual(['unload']);
    const stuck = recordingRunner({ ok: true, detail: '' }, { ok: false, detail: 'kexec -u did not finish in time' });
    expect((await carryOut(plan, stuck.runner, true)).path).toBe('kexec');
    const idle = recordingRunner({ ok: true, detail: '' });
    await carryOut(plan, idle.runner, false);
    expect(idle.calls).toEqual([]);
  });
});
