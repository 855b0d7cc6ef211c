import { describe, expect, it } from 'vitest';
import { verbFromJobs } from '../../src/host/shutdown-verb.js';

describe('verbFromJobs', () => {
  it('finds the queued shutdown target among the jobs', () => {
    const jobs = '1022 systemd-reboot.service start waiting\n1021 reboot.target start waiting\n1077 ssh.service stop running\n';
    expect(verbFromJobs(jobs)).toBe('reboot');
    expect(verbFromJobs('900 poweroff.target start waiting\n')).toBe('poweroff');
    expect(verbFromJobs('900 kexec.target start waiting\n')).toBe('kexec');
    expect(verbFromJobs('900 halt.target start waiting\n')).toBe('halt');
  });

  it('ignores a soft-reboot and jobs that are not starts', () => {
    expect(verbFromJobs('900 soft-reboot.target start waiting\n')).toBeUndefined();
    expect(verbFromJobs('900 reboot.target stop waiting\n')).toBeUndefined();
    expect(verbFromJobs('')).toBeUndefined();
  });
});
