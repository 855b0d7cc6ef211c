import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ConfigReading } from '../../src/config/config.js';
import { configJson, configText } from '../../src/cli/report.js';

/** One of each: a value from a file, an error and a warning. */
const reading: ConfigReading = {
  config: { ...DEFAULT_CONFIG, append: { value: 'console=ttyS0 quiet', origin: '/etc/default/kexec:3' } },
  files: ['/etc/default/kexec'],
  errors: [{ file: '/etc/default/kexec', line: 1, message: 'LOAD_KEXEC="maybe": expected true or false (or yes/no, 1/0)' }],
  warnings: [{ file: '/etc/default/kexec', line: 2, message: 'unknown setting FOO, ignored' }],
};

// `config` is read by people and by orchestrators: every setting, in this order, with these keys.
describe('the config report', () => {
  it('as text, one assignment a setting, then errors and warnings', () => {
    expect(configText(reading)).toBe(
      [
        'LOAD_KEXEC=true  # default',
        'KERNEL_IMAGE=/vmlinuz  # default',
        'INITRD=/initrd.img  # default',
        "APPEND='console=ttyS0 quiet'  # /etc/default/kexec:3",
        'USE_GRUB_CONFIG=false  # default',
        'PRELOAD=false  # default',
        'error: /etc/default/kexec:1: LOAD_KEXEC="maybe": expected true or false (or yes/no, 1/0)',
        'warning: /etc/default/kexec:2: unknown setting FOO, ignored',
        '',
      ].join('\n'),
    );
  });

  it('as JSON', () => {
    const json = configJson(reading);
    expect(JSON.stringify(json)).toBe(
      JSON.stringify({
        files: ['/etc/default/kexec'],
        values: {
          LOAD_KEXEC: { value: true, origin: 'default' },
          KERNEL_IMAGE: { value: '/vmlinuz', origin: 'default' },
          INITRD: { value: '/initrd.img', origin: 'default' },
          APPEND: { value: 'console=ttyS0 quiet', origin: '/etc/default/kexec:3' },
          USE_GRUB_CONFIG: { value: false, origin: 'default' },
          PRELOAD: { value: false, origin: 'default' },
        },
        errors: ['/etc/default/kexec:1: LOAD_KEXEC="maybe": expected true or false (or yes/no, 1/0)'],
        warnings: ['/etc/default/kexec:2: unknown setting FOO, ignored'],
      }),
    );
  });
});
