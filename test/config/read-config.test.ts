import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, formatDiagnostic, type KexecConfig } from '../../src/config/config.js';
import { readConfig, readSettings } from '../../src/config/read-config.js';
import { MAX_BYTES } from '../../src/host/read-file.js';
import { sourceWithSh } from './sh.js';
import { makeFakeTree, type FakeTree } from '../support/fake-root.js';

/** kexec-tools' own /etc/default/kexec as Debian ships it. */
const DEBIAN_TEMPLATE = readFileSync(new URL('../fixtures/debian-kexec-tools.default', import.meta.url), 'utf8');

const DEFAULTS: KexecConfig = DEFAULT_CONFIG;

/** What the template gives, line by line. */
const TEMPLATE_CONFIG: KexecConfig = {
  loadKexec: { value: true, origin: '/etc/default/kexec:5' },
  kernelImage: { value: '/vmlinuz', origin: '/etc/default/kexec:8' },
  initrd: { value: '/initrd.img', origin: '/etc/default/kexec:9' },
  append: { value: '', origin: '/etc/default/kexec:12' },
  useGrubConfig: { value: false, origin: '/etc/default/kexec:15' },
  preload: { value: false, origin: 'default' },
};

const BOOT_CMDLINE = 'BOOT_IMAGE=/vmlinuz-6.1.0-18-amd64 root=UUID=0c5e ro quiet';

let fake: FakeTree;
beforeEach(() => {
  fake = makeFakeTree();
  fake.write('/proc/cmdline', `${BOOT_CMDLINE}\n`);
});
afterEach(() => rmSync(fake.dir, { recursive: true, force: true }));

describe('readConfig: real-world files', () => {
  const cases: [string, Record<string, string>, KexecConfig][] = [
    ['no configuration at all', {}, DEFAULTS],
    ["Debian's shipped template", { '/etc/default/kexec': DEBIAN_TEMPLATE }, TEMPLATE_CONFIG],
    [
      'template edited: serial console, pinned kernel, no initrd',
      {
        '/etc/default/kexec': DEBIAN_TEMPLATE.replace('KERNEL_IMAGE="/vmlinuz"', 'KERNEL_IMAGE=/boot/vmlinuz-6.1.0-18-amd64')
          .replace('INITRD="/initrd.img"', 'INITRD=""  # built-in drivers')
          .replace('APPEND=""', 'APPEND="root=/dev/sda1 ro console=ttyS0,115200n8"'),
      },
      {
        ...TEMPLATE_CONFIG,
        kernelImage: { value: '/boot/vmlinuz-6.1.0-18-amd64', origin: '/etc/default/kexec:8' },
        initrd: { value: '', origin: '/etc/default/kexec:9' },
        append: { value: 'root=/dev/sda1 ro console=ttyS0,115200n8', origin: '/etc/default/kexec:12' },
      },
    ],
    [
      'running command line plus extras',
      { '/etc/default/kexec': 'APPEND="$( cat /proc/cmdline ) panic=10"\n' },
      { ...DEFAULTS, append: { value: `${BOOT_CMDLINE} panic=10`, origin: '/etc/default/kexec:1' } },
    ],
    [
      'kexec switched off, GRUB config on, other spellings of booleans',
      { '/etc/default/kexec': 'LOAD_KEXEC=No\nexport USE_GRUB_CONFIG=YES\n' },
      {
        ...DEFAULTS,
        loadKexec: { value: false, origin: '/etc/default/kexec:1' },
        useGrubConfig: { value: true, origin: '/etc/default/kexec:2' },
      },
    ],
    [
      'legacy USE_KEXEC',
      { '/etc/default/kexec': '# from kexec-tools 1:2.0.0\nUSE_KEXEC=0\n' },
      { ...DEFAULTS, loadKexec: { value: false, origin: '/etc/default/kexec:2' } },
    ],
    [
      'LOAD_KEXEC wins over USE_KEXEC',
      { '/etc/default/kexec': 'LOAD_KEXEC=true\nUSE_KEXEC=0\n' },
      { ...DEFAULTS, loadKexec: { value: true, origin: '/etc/default/kexec:1' } },
    ],
    [
      'Windows line endings and a BOM',
      { '/etc/default/kexec': '\uFEFFLOAD_KEXEC=false\r\nAPPEND="quiet"\r\n' },
      {
        ...DEFAULTS,
        loadKexec: { value: false, origin: '/etc/default/kexec:1' },
        append: { value: 'quiet', origin: '/etc/default/kexec:2' },
      },
    ],
    [
      'a snippet appends to the main file',
      {
        '/etc/default/kexec': DEBIAN_TEMPLATE.replace('APPEND=""', 'APPEND="root=/dev/vda1 ro"'),
        '/etc/default/kexec.d/50-console': '# added by ansible\nAPPEND="$APPEND console=ttyS0"\n',
      },
      {
        ...TEMPLATE_CONFIG,
        append: { value: 'root=/dev/vda1 ro console=ttyS0', origin: '/etc/default/kexec.d/50-console:2' },
      },
    ],
  ];

  it.each(cases)('%s', (_, files, expected) => {
    for (const [systemPath, content] of Object.entries(files)) fake.write(systemPath, content);
    const reading = readConfig(fake.root);
    expect(reading.errors).toEqual([]);
    expect(reading.warnings).toEqual([]);
    expect(reading.files).toEqual(Object.keys(files));
    expect(reading.config).toEqual(expected);
    expect(shValuesOf(Object.keys(files))).toEqual(rawValuesOf(fake));
  });
});

/** What sh gives for the known names, sourcing the LF, BOM-less version of the same files (copies in the tree's /tmp). */
function shValuesOf(systemPaths: string[]): Map<string, string | undefined> {
  const lfCopies = systemPaths.map((systemPath, i) => {
    const copy = `/tmp/lf-${i}`;
    fake.write(copy, fake.read(systemPath).replace(/^\uFEFF/, '').replace(/\r\n/g, '\n'));
    return fake.root.path(copy);
  });
  return withBootCmdline(sourceWithSh(lfCopies, KNOWN_NAMES));
}

const KNOWN_NAMES = ['LOAD_KEXEC', 'USE_KEXEC', 'KERNEL_IMAGE', 'INITRD', 'APPEND', 'USE_GRUB_CONFIG'];

/** sh read the host's /proc/cmdline; put the fake root's in its place. */
function withBootCmdline(values: Map<string, string | undefined>): Map<string, string | undefined> {
  const host = readFileSync('/proc/cmdline', 'utf8').replace(/\n+$/, '');
  return new Map([...values].map(([k, v]) => [k, v?.split(host).join(BOOT_CMDLINE)]));
}

function rawValuesOf(t: FakeTree): Map<string, string | undefined> {
  const { settings } = readSettings(t.root);
  return new Map(KNOWN_NAMES.map((n) => [n, settings.get(n)?.value]));
}

describe('readConfig: snippets in run-parts order', () => {
  const names = ['a', '_x', 'Z_9', '10-b', '02-a', '-dash', 'a.conf', '.hidden', 'b~', 'c.dpkg-old'];

  beforeEach(() => {
    fake.write('/etc/default/kexec', 'APPEND=main\nINITRD=/initrd.img-main\n');
    names.forEach((name) => fake.write(`/etc/default/kexec.d/${name}`, `APPEND="$APPEND ${name}"\n`));
    fake.write('/etc/default/kexec.d/02-a', '\nINITRD=""\nAPPEND="$APPEND 02-a"\n');
    mkdirSync(fake.root.path('/etc/default/kexec.d/sub'));
  });

  it('reads the names run-parts --list gives, in its order', () => {
    const reading = readConfig(fake.root);
    const runParts = execFileSync('run-parts', ['--list', fake.root.path('/etc/default/kexec.d')], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `/etc/default/kexec.d/${path.basename(l)}`);
    expect(reading.files).toEqual(['/etc/default/kexec', ...runParts]);
    expect(reading.files).toEqual([
      '/etc/default/kexec',
      ...['-dash', '02-a', '10-b', 'Z_9', '_x', 'a'].map((n) => `/etc/default/kexec.d/${n}`),
    ]);
  });

  it('lets later files win, with the origin of the last assignment', () => {
    const { config, errors } = readConfig(fake.root);
    expect(errors).toEqual([]);
    expect(config.append).toEqual({ value: 'main -dash 02-a 10-b Z_9 _x a', origin: '/etc/default/kexec.d/a:1' });
    expect(config.initrd).toEqual({ value: '', origin: '/etc/default/kexec.d/02-a:2' });
  });

  it('warns about what it skips', () => {
    expect(readConfig(fake.root).warnings.map(formatDiagnostic)).toEqual([
      '/etc/default/kexec.d/.hidden: ignored: run-parts only uses names made of letters, digits, _ and -',
      '/etc/default/kexec.d/a.conf: ignored: run-parts only uses names made of letters, digits, _ and -',
      '/etc/default/kexec.d/b~: ignored: run-parts only uses names made of letters, digits, _ and -',
      '/etc/default/kexec.d/c.dpkg-old: ignored: run-parts only uses names made of letters, digits, _ and -',
      '/etc/default/kexec.d/sub: ignored: a directory, as run-parts does',
    ]);
  });

  it('reads snippets without a main file', () => {
    fake.remove('/etc/default');
    fake.write('/etc/default/kexec.d/10-x', 'LOAD_KEXEC=false\n');
    const reading = readConfig(fake.root);
    expect(reading.files).toEqual(['/etc/default/kexec.d/10-x']);
    expect(reading.config.loadKexec).toEqual({ value: false, origin: '/etc/default/kexec.d/10-x:1' });
  });
});

describe('readConfig: settings it does not accept', () => {
  it('an unrecognised boolean is an error at its line, and the default is used', () => {
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=true\n');
    fake.write('/etc/default/kexec.d/10-x', '\nLOAD_KEXEC=maybe\nUSE_GRUB_CONFIG=\n');
    const { config, errors } = readConfig(fake.root);
    expect(errors.map(formatDiagnostic)).toEqual([
      '/etc/default/kexec.d/10-x:2: LOAD_KEXEC="maybe": expected true or false (or yes/no, 1/0)',
      '/etc/default/kexec.d/10-x:3: USE_GRUB_CONFIG="": expected true or false (or yes/no, 1/0)',
    ]);
    expect(config.loadKexec).toEqual({ value: true, origin: 'default' });
    expect(config.useGrubConfig).toEqual({ value: false, origin: 'default' });
  });

  it('an empty KERNEL_IMAGE is an error', () => {
    fake.write('/etc/default/kexec', 'KERNEL_IMAGE=\n');
    const { config, errors } = readConfig(fake.root);
    expect(errors.map(formatDiagnostic)).toEqual(['/etc/default/kexec:1: KERNEL_IMAGE is empty: no kernel to load']);
    expect(config.kernelImage).toEqual({ value: '/vmlinuz', origin: 'default' });
  });

  it('an unknown variable is a warning at its line', () => {
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=true\nKEXEC_ARGS="-s"\n');
    const { errors, warnings } = readConfig(fake.root);
    expect(errors).toEqual([]);
    expect(warnings.map(formatDiagnostic)).toEqual(['/etc/default/kexec:2: unknown setting KEXEC_ARGS, ignored']);
  });
});

describe('readConfig: files it cannot read', () => {
  /** The one error the file gives; defaults stand in for it and the other files are still read. */
  function onlyError(): string {
    fake.write('/etc/default/kexec.d/90-last', 'INITRD=/last\n');
    const reading = readConfig(fake.root);
    expect(reading.config).toEqual({
      ...DEFAULTS,
      initrd: { value: '/last', origin: '/etc/default/kexec.d/90-last:1' },
    });
    expect(reading.errors).toHaveLength(1);
    return formatDiagnostic(reading.errors[0]!);
  }
  const configFile = () => fake.root.path('/etc/default/kexec');

  it('unterminated quote', () => {
    fake.write('/etc/default/kexec', '# c\n\nAPPEND="quiet\n');
    expect(onlyError()).toBe('/etc/default/kexec:3: unterminated double quote (opened on line 3)');
  });

  it('keeps what came before a syntax error, as sh does', () => {
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=false\nAPPEND="quiet\n');
    const reading = readConfig(fake.root);
    expect(reading.config.loadKexec).toEqual({ value: false, origin: '/etc/default/kexec:1' });
    expect(reading.errors.map(formatDiagnostic)).toEqual([
      '/etc/default/kexec:2: unterminated double quote (opened on line 2)',
    ]);
  });

  it('NUL bytes', () => {
    fake.write('/etc/default/kexec', Buffer.from('LOAD_KEXEC=false\nA=\0\n'));
    expect(onlyError()).toBe('/etc/default/kexec:2: contains a NUL byte: not a text file');
  });

  it('invalid UTF-8', () => {
    fake.write('/etc/default/kexec', Buffer.from([0x41, 0x3d, 0xff, 0xfe, 0x0a]));
    expect(onlyError()).toBe('/etc/default/kexec: not valid UTF-8: not a text file');
  });

  it('binary garbage', () => {
    const garbage = Buffer.alloc(4096);
    let seed = 7;
    for (let i = 0; i < garbage.length; i++) garbage[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 16;
    fake.write('/etc/default/kexec', garbage);
    expect(onlyError()).toMatch(/^\/etc\/default\/kexec(:\d+)?: (contains a NUL byte|not valid UTF-8): not a text file$/);
  });

  it('reads files under /proc, whose size says 0 though they have contents', () => {
    // /proc/version stands in for /proc/cmdline: both are procfs files that stat as empty.
    fake.link('/proc/cmdline', '/proc/version');
    fake.write('/etc/default/kexec', 'APPEND="$(cat /proc/cmdline) panic=10"\n');
    const kernel = readFileSync('/proc/version', 'utf8').trim();
    expect(kernel).not.toBe('');
    expect(readConfig(fake.root)).toMatchObject({ errors: [], config: { append: { value: `${kernel} panic=10` } } });
  });

  it('a 10 MB file is refused unread', () => {
    fake.write('/etc/default/kexec', '#'.repeat(10 * 1024 * 1024));
    expect(onlyError()).toBe(`/etc/default/kexec: larger than ${MAX_BYTES.config} bytes (1 MiB); not read`);
  });

  it('a directory', () => {
    mkdirSync(configFile(), { recursive: true });
    expect(onlyError()).toBe('/etc/default/kexec: not a regular file (a directory)');
  });

  it('a file that fails on read', () => {
    fake.link('/etc/default/kexec', '/proc/self/mem'); // opens, but reading address 0 fails with EIO
    expect(onlyError()).toBe('/etc/default/kexec: cannot read: EIO');
  });

  it.skipIf(process.getuid?.() === 0)('a file without read permission', () => {
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=false\n');
    chmodSync(configFile(), 0);
    expect(onlyError()).toBe('/etc/default/kexec: cannot open: permission denied');
  });

  it('a dangling symlink', () => {
    fake.link('/etc/default/kexec', 'kexec.dpkg-old');
    expect(onlyError()).toBe('/etc/default/kexec: dangling symlink (to kexec.dpkg-old)');
  });

  it('a symlink loop', () => {
    fake.link('/etc/default/kexec', 'kexec-loop');
    fake.link('/etc/default/kexec-loop', 'kexec');
    expect(onlyError()).toBe('/etc/default/kexec: cannot open: symlink loop');
  });

  it('a FIFO, without blocking', () => {
    mkdirSync(path.dirname(configFile()), { recursive: true });
    execFileSync('mkfifo', [configFile()]);
    expect(onlyError()).toBe('/etc/default/kexec: not a regular file (a FIFO)');
  }, 2000);

  it('a device is not even opened', () => {
    fake.link('/etc/default/kexec', '/dev/null');
    expect(onlyError()).toBe('/etc/default/kexec: not a regular file (a device)');
  });

  it('a FIFO among the snippets', () => {
    mkdirSync(fake.root.path('/etc/default/kexec.d'), { recursive: true });
    execFileSync('mkfifo', [fake.root.path('/etc/default/kexec.d/50-fifo')]);
    expect(onlyError()).toBe('/etc/default/kexec.d/50-fifo: not a regular file (a FIFO)');
  }, 2000);

  it('kexec.d that is not a directory', () => {
    fake.write('/etc/default/kexec.d', 'INITRD=/x\n');
    const reading = readConfig(fake.root);
    expect(reading.errors.map(formatDiagnostic)).toEqual(['/etc/default/kexec.d: cannot list: not a directory']);
    expect(reading.config).toEqual(DEFAULTS);
  });

  it('an unreadable /proc/cmdline, when the file needs it', () => {
    fake.remove('/proc/cmdline');
    fake.write('/etc/default/kexec', 'APPEND="$(cat /proc/cmdline) x"\n');
    expect(readConfig(fake.root).errors.map(formatDiagnostic)).toEqual([
      '/etc/default/kexec:1: $(cat /proc/cmdline): /proc/cmdline cannot be read',
    ]);
  });
});

describe('readConfig: nothing in the files is ever run', () => {
  const marker = () => fake.root.path('/marker');
  /** Each line would create the marker if a shell ran it. */
  const commands: [string, string, RegExp][] = [
    ['command substitution', 'APPEND=$(touch MARKER)', /\$\(touch .*\): command substitution is not supported/],
    ['backquotes', 'APPEND="`touch MARKER`"', /command substitution is not supported/],
    ['command after ;', 'LOAD_KEXEC=true; touch MARKER', /; \(a command separator\) is not supported/],
    ['command after &&', 'LOAD_KEXEC=true && touch MARKER', /& \(a background or && operator\)/],
    ['pipe', 'LOAD_KEXEC=true | touch MARKER', /\| \(a pipe or \|\| operator\)/],
    ['redirection', 'LOAD_KEXEC=true >MARKER', /> \(a redirection\)/],
    ['if', 'if touch MARKER; then LOAD_KEXEC=true; fi', /"if" would run as a command/],
    ['bare command', 'touch MARKER', /"touch" would run as a command/],
    ['command with assignment prefix', 'LOAD_KEXEC=true touch MARKER', /"touch" would run as a command/],
    ['parameter operator', 'APPEND=${X:-$(touch MARKER)}', /is not supported: only \$\{NAME\} without operators/],
  ];

  it.each(commands)('%s', (_, line, message) => {
    const text = `# header\n\n${line.replace('MARKER', marker())}\n`;
    fake.write('/etc/default/kexec', text);
    const { errors } = readConfig(fake.root);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: '/etc/default/kexec', line: 3 });
    expect(errors[0]!.message).toMatch(message);
    expect(existsSync(marker())).toBe(false);

    // The probe is real: sh does create the marker.
    try {
      sourceWithSh([configFile()], []);
    } catch {
      // the exit status does not matter, only the marker
    }
    expect(existsSync(marker())).toBe(true);
  });
  const configFile = () => fake.root.path('/etc/default/kexec');

  it('arithmetic', () => {
    fake.write('/etc/default/kexec', 'APPEND=$((1+1))\n');
    expect(readConfig(fake.root).errors.map(formatDiagnostic)).toEqual([
      '/etc/default/kexec:1: $((...)) (arithmetic expansion) is not supported',
    ]);
  });
});

describe('trust', () => {
  it('refuses a configuration file others can write, saying how to fix it, and keeps the defaults', () => {
    fake.write('/etc/default/kexec', 'KERNEL_IMAGE=/boot/evil\n');
    chmodSync(fake.root.path('/etc/default/kexec'), 0o666);
    const reading = readConfig(fake.root);
    expect(reading.errors).toEqual([{ file: '/etc/default/kexec', message: expect.stringMatching(/writable by everyone.*chmod go-w \/etc\/default\/kexec/) }]);
    expect(reading.config.kernelImage).toEqual({ value: '/vmlinuz', origin: 'default' });
  });

  it.skipIf(process.getuid?.() !== 0)('refuses a kexec.d snippet owned by another user (needs root to chown)', () => {
    fake.write('/etc/default/kexec.d/50-other', 'LOAD_KEXEC=false\n');
    chownSync(fake.root.path('/etc/default/kexec.d/50-other'), 1234, 1234);
    expect(readConfig(fake.root).errors).toEqual([{ file: '/etc/default/kexec.d/50-other', message: expect.stringMatching(/owned by uid 1234/) }]);
  });
});
