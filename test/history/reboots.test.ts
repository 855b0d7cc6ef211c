import { describe, expect, it } from 'vitest';
import { EMPTY_HISTORY, type History } from '../../src/host/reboot-history.js';
import { addRequest, completeBoot, HISTORY_LENGTH, resume, settleBoots } from '../../src/history/reboots.js';
import { arrival, request } from '../support/history.js';

const requested = (overrides = {}): History => addRequest(EMPTY_HISTORY, request(overrides));

describe('the reboot history', () => {
  it('completes the recorded kexec with the boot it led to', () => {
    const completion = completeBoot(requested(), arrival());
    expect(completion?.entry).toEqual({ request: request(), arrival: arrival(), ended: 'kexec' });
    expect(completion?.history.reboots).toHaveLength(1);
    expect(completion?.history.counts).toEqual({ kexec: 1, firmware: 0, 'kexec-failed': 0, unrecorded: 0, unknown: 0 });
    expect(completion?.paused).toBeUndefined();
  });

  it('records a firmware reboot the hook planned as such', () => {
    const completion = completeBoot(requested({ path: 'firmware', why: '/no-kexec-reboot exists' }), arrival({ by: 'firmware' }));
    expect(completion?.entry.ended).toBe('firmware');
    expect(completion?.paused).toBeUndefined();
  });

  it('after a kexec that came back through firmware: kexec-failed, and kexec paused for that kernel file', () => {
    const completion = completeBoot(requested(), arrival({ by: 'firmware' }));
    expect(completion?.entry.ended).toBe('kexec-failed');
    expect(completion?.paused).toEqual({
      kernel: request().kernelIdentity,
      since: arrival().upAt,
      why: 'the kexec boot of /boot/vmlinuz-6.1.0-9-amd64 asked for at 2026-12-03T10:00:00.000Z did not come up (the machine came back through firmware)',
    });
    expect(completion?.history.pause).toEqual(completion?.paused);
    expect(completion?.history.counts['kexec-failed']).toBe(1);
  });

  it('cannot pause a kernel loaded by hand (its file is not known), but records the failure', () => {
    const completion = completeBoot(requested({ kernel: undefined, kernelIdentity: undefined }), arrival({ by: 'firmware' }));
    expect(completion?.entry.ended).toBe('kexec-failed');
    expect(completion?.history.pause).toBeUndefined();
  });

  it('never claims a kexec for a boot whose arrival cannot be told: no boot_params (not x86), no marker expected', () => {
    // A kernel loaded by hand, or by 0.5.0, which marked nothing.
    const completion = completeBoot(requested(), arrival({ by: 'unknown' }));
    expect(completion?.entry.ended).toBe('unknown');
    expect(completion?.history.counts).toMatchObject({ kexec: 0, firmware: 0, unknown: 1 });
    expect(completion?.paused).toBeUndefined();
  });

  describe('without boot_params (arm64), by the marker on the loaded command line', () => {
    const marked = (overrides = {}) => requested({ arrivalMarker: 'boot-1', ...overrides });

    it('a kexec when the marker naming the requesting boot arrived', () => {
      const completion = completeBoot(marked(), arrival({ by: 'unknown', kexecFrom: 'boot-1' }));
      expect(completion?.entry.ended).toBe('kexec');
      expect(completion?.paused).toBeUndefined();
    });

    it('a failed kexec, and kexec paused, when it did not: the firmware booted its own command line', () => {
      for (const kexecFrom of [undefined, 'boot-0']) {
        const completion = completeBoot(marked(), arrival({ by: 'unknown', ...(kexecFrom ? { kexecFrom } : {}) }));
        expect(completion?.entry.ended).toBe('kexec-failed');
        expect(completion?.paused?.kernel).toEqual(request().kernelIdentity);
      }
    });

    it('a firmware reboot when the hook left nothing to kexec', () => {
      expect(completeBoot(requested({ path: 'firmware' }), arrival({ by: 'unknown' }))?.entry.ended).toBe('firmware');
    });
  });

  describe('on x86, the boot protocol checks the marker', () => {
    it('claims neither path when they contradict each other', () => {
      expect(completeBoot(requested({ arrivalMarker: 'boot-1' }), arrival({ by: 'firmware', kexecFrom: 'boot-1' }))?.entry.ended).toBe('unknown');
    });

    it('believes type_of_loader over a missing or stale marker: every kexec sets it', () => {
      expect(completeBoot(requested({ arrivalMarker: 'boot-1' }), arrival({ by: 'kexec' }))?.entry.ended).toBe('kexec');
      expect(completeBoot(requested({ arrivalMarker: 'boot-1' }), arrival({ by: 'firmware', kexecFrom: 'boot-0' }))?.entry.ended).toBe('kexec-failed');
    });
  });

  it('records a boot no reboot record led to (a crash, a power cut, a power-on) as unrecorded', () => {
    const once = completeBoot(requested(), arrival())!.history;
    const completion = completeBoot(once, arrival({ bootId: 'boot-3', by: 'firmware' }));
    expect(completion?.entry).toEqual({ arrival: arrival({ bootId: 'boot-3', by: 'firmware' }), ended: 'unrecorded' });
    expect(completion?.history.reboots).toHaveLength(2);
  });

  it('completes a boot once, however often it is asked', () => {
    const once = completeBoot(requested(), arrival())!.history;
    expect(completeBoot(once, arrival())).toBeUndefined();
  });

  it('keeps a pause across later boots, until resumed; resuming keeps the record of why', () => {
    const paused = completeBoot(requested(), arrival({ by: 'firmware' }))!.history;
    const later = completeBoot(addRequest(paused, request({ bootId: 'boot-2', path: 'firmware', why: 'kexec is paused' })), arrival({ bootId: 'boot-3', by: 'firmware' }))!.history;
    expect(later.pause).toEqual(paused.pause);
    const resumed = resume(later);
    expect(resumed.pause).toBeUndefined();
    expect(resumed.reboots).toEqual(later.reboots);
  });

  it(`keeps the last ${HISTORY_LENGTH} reboots, and counts every one`, () => {
    let history = EMPTY_HISTORY;
    for (let i = 0; i < HISTORY_LENGTH + 5; i++) {
      history = completeBoot(addRequest(history, request({ bootId: `boot-${i}` })), arrival({ bootId: `boot-${i + 1}` }))!.history;
    }
    expect(history.reboots).toHaveLength(HISTORY_LENGTH);
    expect(history.reboots[0]!.request!.bootId).toBe('boot-5');
    expect(history.counts.kexec).toBe(HISTORY_LENGTH + 5);
  });

  it('settles the boots that marked themselves in the order they started, then the running one', () => {
    const failedThenOk = settleBoots(
      requested(),
      [arrival({ bootId: 'boot-3', by: 'firmware', kernelStartedAt: '2026-12-03T11:00:00.000Z' }), arrival({ bootId: 'boot-2', by: 'kexec', upAt: undefined, initStartedAt: undefined })],
      arrival({ bootId: 'boot-4', by: 'firmware', kernelStartedAt: '2026-12-03T12:00:00.000Z' }),
    );
    expect(failedThenOk?.entries.map((entry) => [entry.arrival?.bootId, entry.ended])).toEqual([
      ['boot-2', 'kexec'],
      ['boot-3', 'unrecorded'],
      ['boot-4', 'unrecorded'],
    ]);
    expect(failedThenOk?.paused).toBeUndefined();
    // Nothing new: nothing to write.
    expect(settleBoots(failedThenOk!.history, [arrival({ bootId: 'boot-2' })], arrival({ bootId: 'boot-4', by: 'firmware', kernelStartedAt: '2026-12-03T12:00:00.000Z' }))).toBeUndefined();
  });

  it('adds userspace up to a boot its hook or resume recorded before boot-complete ran, counting it once', () => {
    const early = settleBoots(requested(), [], arrival({ upAt: undefined }))!.history;
    const completed = settleBoots(early, [], arrival());
    expect(completed?.entries).toEqual([{ request: request(), arrival: arrival(), ended: 'kexec' }]);
    expect(completed?.history.counts.kexec).toBe(1);
  });

  it('does not complete a reboot with the boot that asked for it', () => {
    expect(settleBoots(requested(), [], arrival({ bootId: 'boot-1' }))).toBeUndefined();
  });
});

