import { describe, expect, it } from 'vitest';
import { whoseKernel } from '../../src/plan/loaded-kernel.js';
import { matchesPlan } from '../../src/plan/plan.js';
import type { Plan } from '../../src/plan/plan.js';
import { identity, loadSpec } from '../support/load-spec.js';

const load = loadSpec();
const loadedAt = '2026-12-01T10:00:00.000Z';
const configured: Plan = { action: 'kexec', reason: 'configured', why: 'LOAD_KEXEC is true (default)', load, warnings: [] };

describe('whoseKernel', () => {
  it('tells a kernel loaded by hand (no record of ours) from ours, and a record with nothing loaded means nothing', () => {
    expect(whoseKernel(true, undefined)).toEqual({ by: 'hand' });
    expect(whoseKernel(true, { loadedAt })).toEqual({ by: 'kexec-reboot', record: { loadedAt } });
    expect(whoseKernel(false, { loadedAt })).toEqual({ by: 'nobody' });
  });
});

describe('matchesPlan', () => {
  it('accepts only a finished load of exactly what the plan would load now', () => {
    expect(matchesPlan({ fingerprint: load.fingerprint, loadedAt }, configured)).toBe(true);
    expect(matchesPlan({ fingerprint: { ...load.fingerprint, kernel: identity(load.kernel, 99) }, loadedAt }, configured)).toBe(false);
    expect(matchesPlan({ loadedAt }, configured)).toBe(false);
    expect(matchesPlan({ fingerprint: load.fingerprint, loadedAt }, undefined)).toBe(false);
    expect(matchesPlan({ fingerprint: load.fingerprint, loadedAt }, { action: 'cold', reason: 'disabled', why: 'LOAD_KEXEC is false', warnings: [] })).toBe(false);
    expect(matchesPlan({ fingerprint: load.fingerprint, loadedAt }, { action: 'kexec', reason: 'preloaded', why: 'still current', warnings: [] })).toBe(true);
  });
});
