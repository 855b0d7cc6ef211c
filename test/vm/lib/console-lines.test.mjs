import { describe, expect, it } from 'vitest';
import { ConsoleLines } from './console-lines.mjs';

const feed = (...raw) => {
  const lines = new ConsoleLines();
  return [...raw.flatMap((l) => lines.push(l)), ...lines.flush()];
};

describe('ConsoleLines', () => {
  it('takes a kernel record out of the agent line it landed in (CI, 2026-12-05)', () => {
    expect(
      feed(
        'KRVM secureboot-kernel: Kernel is locked down from EFI Secure Boot[   26.119772] lpc_ich 0000:00:1f.0: I/O space for GPIO uninitialized',
        '',
        '[   26.176403] ACPI: \\_SB_.GSIA: Enabled at IRQ 16',
      ),
    ).toEqual([
      '[   26.119772] lpc_ich 0000:00:1f.0: I/O space for GPIO uninitialized',
      'KRVM secureboot-kernel: Kernel is locked down from EFI Secure Boot',
      '[   26.176403] ACPI: \\_SB_.GSIA: Enabled at IRQ 16',
    ]);
  });

  it('joins an agent line cut in the middle to its rest', () => {
    expect(feed('KRVM lockdown: none [integ[    3.100000] random: crng init done', 'rity] confidentiality', 'KRVM next')).toEqual([
      '[    3.100000] random: crng init done',
      'KRVM lockdown: none [integrity] confidentiality',
      'KRVM next',
    ]);
  });

  it('leaves the journal lines the agent quotes whole: their timestamps name the host', () => {
    const quoted = 'KRVM prevlog: [   65.034799] krvm systemd[1]: kexec-reboot-preload.service: Consumed 6.135s CPU time.';
    expect(feed(quoted, '[    1.000000] a kernel record')).toEqual([quoted, '[    1.000000] a kernel record']);
  });

  it('gives back a cut line that nothing followed, and one followed at once by another line', () => {
    expect(feed('KRVM a[    1.000000] k1')).toEqual(['[    1.000000] k1', 'KRVM a']);
    expect(feed('KRVM a[    1.000000] k1', 'KRVM b')).toEqual(['[    1.000000] k1', 'KRVM a', 'KRVM b']);
  });
});
