import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { EMPTY_HISTORY } from '../../src/host/reboot-history.js';
import { addRequest, completeBoot } from '../../src/history/reboots.js';
import { metricsText } from '../../src/history/metrics.js';
import { arrival, request } from '../support/history.js';

/** Prometheus' own checker: scripts/setup.sh takes it out of Debian's prometheus package. */
function promtool(): string {
  const local = new URL('../../.cache/tools/promtool', import.meta.url).pathname;
  if (fs.existsSync(local)) return local;
  if (spawnSync('promtool', ['--version']).status === 0) return 'promtool';
  throw new Error('promtool is missing: run scripts/setup.sh');
}

const checkMetrics = (text: string) => spawnSync(promtool(), ['check', 'metrics'], { input: text, encoding: 'utf8' });

const kexecThenFailure = () => {
  const once = completeBoot(addRequest(EMPTY_HISTORY, request()), arrival())!.history;
  return completeBoot(addRequest(once, request({ bootId: 'boot-2' })), arrival({ bootId: 'boot-3', by: 'firmware', kernelRelease: 'a "quoted"\\release' }))!.history;
};

describe('metricsText', () => {
  it('gives the counters, the pause and the last reboot with its downtime by phase', () => {
    const text = metricsText(completeBoot(addRequest(EMPTY_HISTORY, request()), arrival())!.history, false);
    expect(text).toContain('kexec_reboot_reboots_total{ended="kexec"} 1\n');
    expect(text).toContain('kexec_reboot_reboots_total{ended="firmware"} 0\n');
    expect(text).toContain('kexec_reboot_paused 0\n');
    expect(text).toContain('kexec_reboot_last_reboot_info{ended="kexec",planned="kexec",kernel="6.1.0-9-amd64"} 1\n');
    expect(text).toContain(`kexec_reboot_last_boot_timestamp_seconds ${Date.parse(arrival().kernelStartedAt) / 1000}\n`);
    for (const [phase, seconds] of [['request_to_kernel', 4], ['kernel_to_init', 2], ['init_to_up', 9], ['total', 15]] as const) {
      expect(text).toContain(`kexec_reboot_last_downtime_seconds{phase="${phase}"} ${seconds}\n`);
    }
  });

  it('says when kexec is paused, and escapes label values', () => {
    const text = metricsText(kexecThenFailure(), true);
    expect(text).toContain('kexec_reboot_paused 1\n');
    expect(text).toContain('kexec_reboot_reboots_total{ended="kexec-failed"} 1\n');
    expect(text).toContain('kernel="a \\"quoted\\"\\\\release"');
  });

  it.each([
    ['an empty history', () => EMPTY_HISTORY],
    ['a kexec', () => completeBoot(addRequest(EMPTY_HISTORY, request()), arrival())!.history],
    ['a failed kexec, with a kernel name to escape', kexecThenFailure],
    ['an unrecorded boot', () => completeBoot(EMPTY_HISTORY, arrival({ by: 'firmware' }))!.history],
  ])('passes promtool check metrics for %s', (_, history) => {
    const result = checkMetrics(metricsText(history(), history().pause !== undefined));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is checked by a promtool that finds faults', () => {
    const lint = checkMetrics('# TYPE kexec_reboot_reboots counter\nkexec_reboot_reboots 1\n');
    expect(lint.stderr).toMatch(/counter metrics should have "_total" suffix/);
    expect(lint.status).not.toBe(0);
  });
});
