import type { History } from '../host/reboot-history.js';
import { downtimeOf } from './downtime.js';

/** A label value in the Prometheus text format: backslash, double quote and newline escaped. */
const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function metric(name: string, type: 'counter' | 'gauge', help: string, samples: readonly (readonly [Record<string, string>, number])[]): string[] {
  return [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} ${type}`,
    ...samples.map(([labels, value]) => {
      const pairs = Object.entries(labels).map(([key, text]) => `${key}="${label(text)}"`);
      return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${value}`;
    }),
  ];
}

/**
 * The history for node-exporter's textfile collector (Prometheus text format
 * 0.0.4): how reboots ended since the history began, the last reboot's
 * downtime by phase, and whether kexec is paused: `paused` says whether the
 * pause holds for the kernel the next reboot would load (pauseHolds); a pause
 * another kernel made irrelevant stays in the history but alerts no one.
 */
export function metricsText(history: History, paused: boolean): string {
  const last = [...history.reboots].reverse().find((entry) => entry.ended !== undefined);
  const downtime = last && downtimeOf(last);
  const lines = [
    ...metric(
      'kexec_reboot_reboots_total',
      'counter',
      'Boots by how the reboot before them ended: kexec, firmware, kexec-failed (a kexec that came back through firmware), unrecorded (no reboot record: crash, power cut, power-on), unknown (the arrival cannot be told: not x86).',
      Object.entries(history.counts).map(([ended, count]) => [{ ended }, count] as const),
    ),
    ...metric('kexec_reboot_paused', 'gauge', '1 while kexec is paused for the kernel the next reboot would load, after a kexec boot of it that did not come up.', [[{}, paused ? 1 : 0]]),
  ];
  if (last?.arrival) {
    lines.push(
      ...metric('kexec_reboot_last_reboot_info', 'gauge', 'How the last reboot ended, what was planned, and the kernel that came up.', [
        [{ ended: last.ended!, planned: last.request?.path ?? 'unrecorded', kernel: last.arrival.kernelRelease }, 1],
      ]),
      ...metric('kexec_reboot_last_boot_timestamp_seconds', 'gauge', 'When the running kernel started, in seconds since the epoch.', [[{}, Date.parse(last.arrival.kernelStartedAt) / 1000]]),
    );
  }
  if (typeof downtime === 'object') {
    const phases: readonly (readonly [string, number | undefined])[] = [
      ['request_to_kernel', downtime.requestToKernel],
      ['kernel_to_init', downtime.kernelToInit],
      ['init_to_up', downtime.initToUp],
      ['total', downtime.total],
    ];
    lines.push(
      ...metric(
        'kexec_reboot_last_downtime_seconds',
        'gauge',
        'The last recorded reboot, measured on the machine: request to new kernel, kernel to init, init to userspace up, and the total (a phase the next boot did not record is left out).',
        phases.filter((phase): phase is readonly [string, number] => phase[1] !== undefined).map(([phase, seconds]) => [{ phase }, seconds] as const),
      ),
    );
  }
  return lines.join('\n') + '\n';
}
