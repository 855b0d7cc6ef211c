import { describe, expect, it } from 'vitest';
import { describeEntry } from '../../src/history/describe.js';
import { arrival, request } from '../support/history.js';

describe('describeEntry', () => {
  it('gives the downtime with each phase it knows', () => {
    expect(describeEntry({ request: request(), arrival: arrival(), ended: 'kexec' })).toMatch(
      /down 15\.0 s \(to the new kernel 4\.0 s, to init 2\.0 s, to userspace up 9\.0 s\)/,
    );
  });

  it('gives the total without the init phases when the kernel log no longer said when init ran', () => {
    const described = describeEntry({ request: request(), arrival: arrival({ initStartedAt: undefined }), ended: 'kexec' });
    expect(described).toMatch(/down 15\.0 s \(to the new kernel 4\.0 s\)/);
    expect(described).not.toMatch(/init/);
  });

  it('says userspace up was not recorded for a boot that went down before it was up', () => {
    expect(describeEntry({ request: request(), arrival: arrival({ initStartedAt: undefined, upAt: undefined }), ended: 'kexec' })).toMatch(
      /to the new kernel 4\.0 s, userspace up not recorded/,
    );
  });
});
