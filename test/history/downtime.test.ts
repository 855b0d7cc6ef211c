import { describe, expect, it } from 'vitest';
import { downtimeOf } from '../../src/history/downtime.js';
import { arrival, request } from '../support/history.js';

describe('downtimeOf', () => {
  it('splits the downtime into request -> new kernel -> init -> userspace up, which add up to the total', () => {
    const downtime = downtimeOf({ request: request(), arrival: arrival(), ended: 'kexec' })!;
    expect(downtime).toEqual({ requestToKernel: 4, kernelToInit: 2, initToUp: 9, total: 15 });
    expect(downtime.requestToKernel + downtime.kernelToInit + downtime.initToUp).toBe(downtime.total);
  });

  it('is unknown without a request (an unrecorded boot) or before the next boot completed it', () => {
    expect(downtimeOf({ arrival: arrival(), ended: 'unrecorded' })).toBeUndefined();
    expect(downtimeOf({ request: request() })).toBeUndefined();
  });
});
