import { describe, expect, it } from 'vitest';
import { downtimeOf, type Downtime } from '../../src/history/downtime.js';
import { arrival, request } from '../support/history.js';

describe('downtimeOf', () => {
  it('splits the downtime into request -> new kernel -> init -> userspace up, which add up to the total', () => {
    const downtime = downtimeOf({ request: request(), arrival: arrival(), ended: 'kexec' }) as Downtime;
    expect(downtime).toEqual({ requestToKernel: 4, kernelToInit: 2, initToUp: 9, total: 15 });
    expect(downtime.requestToKernel + downtime.kernelToInit! + downtime.initToUp!).toBe(downtime.total);
  });

  it.each([
    ['the new kernel started before the request', '2026-12-03T09:59:40.000Z'],
    ['more than a day passed between the request and the new kernel', '2026-12-05T10:00:04.000Z'],
  ])('gives no figure but "clock stepped" when %s (the two boots\' wall clocks disagree)', (_, kernelStartedAt) => {
    const stepped = arrival({ kernelStartedAt, initStartedAt: kernelStartedAt, upAt: kernelStartedAt });
    expect(downtimeOf({ request: request(), arrival: stepped, ended: 'kexec' })).toBe('clock stepped');
  });

  it('is unknown without a request (an unrecorded boot) or before the next boot completed it', () => {
    expect(downtimeOf({ arrival: arrival(), ended: 'unrecorded' })).toBeUndefined();
    expect(downtimeOf({ request: request() })).toBeUndefined();
  });
});
