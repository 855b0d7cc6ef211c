import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { makeFakeRoot, KERNEL_VERSION, type FakeRoot } from '../support/fake-root.js';
import { VERSION } from '../../src/cli/version.js';

/** The CLI as shipped: the bundle `npm run build` makes. */
const CLI = new URL('../../dist/kexec-reboot.cjs', import.meta.url).pathname;

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
});

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

/** The CLI with exactly these arguments. */
function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...fake.env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
/** The CLI pointed at the fake root. */
const kexecReboot = (...args: string[]) => run('--root', fake.dir, ...args);
const statusJson = () => JSON.parse(kexecReboot('status', '--json').stdout);

describe('kexec-reboot status', () => {
  it('shows the plan with kernel, initrd and command line, and where each came from', () => {
    fake = makeFakeRoot();
    const { code, stdout } = kexecReboot('status');
    expect(code).toBe(0);
    expect(stdout).toContain('Next reboot: kexec');
    expect(stdout).toContain(`/boot/vmlinuz-${KERNEL_VERSION}`);
    expect(stdout).toContain('from KERNEL_IMAGE=/vmlinuz (default)');
    expect(stdout).toContain('root=UUID=0b1c ro quiet');
    expect(stdout.split('\n').length).toBeLessThan(24);
  });

  it('gives the plan and the exact kexec argv as JSON', () => {
    fake = makeFakeRoot();
    expect(statusJson()).toMatchObject({
      nextReboot: 'kexec',
      reason: 'configured',
      kernel: { path: `/boot/vmlinuz-${KERNEL_VERSION}`, origin: 'KERNEL_IMAGE=/vmlinuz (default)' },
      initrds: { paths: [`/boot/initrd.img-${KERNEL_VERSION}`] },
      cmdline: { value: 'root=UUID=0b1c ro quiet' },
      kexecArgv: [
        fake.programs.kexec,
        '-s',
        '-l',
        `${fake.dir}/boot/vmlinuz-${KERNEL_VERSION}`,
        `--initrd=${fake.dir}/boot/initrd.img-${KERNEL_VERSION}`,
        '--append=root=UUID=0b1c ro quiet',
      ],
    });
  });

  const cases: [string, (f: FakeRoot) => void, string, RegExp][] = [
    ['LOAD_KEXEC=false', (f) => f.write('/etc/default/kexec', 'LOAD_KEXEC=false\n'), 'disabled', /LOAD_KEXEC is false \(\/etc\/default\/kexec:1\)/],
    ['a kexec.d snippet disables it', (f) => f.write('/etc/default/kexec.d/50-off', 'LOAD_KEXEC=no\n'), 'disabled', /kexec\.d\/50-off:1/],
    ['the kernel is missing', (f) => f.remove(`/boot/vmlinuz-${KERNEL_VERSION}`), 'kernel-unusable', /does not exist/],
    ['the kernel is not a bzImage', (f) => f.write(`/boot/vmlinuz-${KERNEL_VERSION}`, 'garbage'), 'kernel-unusable', /bzImage/],
    ['the initrd is missing', (f) => f.remove(`/boot/initrd.img-${KERNEL_VERSION}`), 'initrd-unusable', /does not exist/],
    ['kexec is missing', (f) => fs.rmSync(f.programs.kexec), 'kexec-missing', /kexec-tools/],
    ['the kernel has no kexec', (f) => f.remove('/sys/kernel/kexec_loaded'), 'kexec-unsupported', /does not support kexec/],
    ["kexec-tools' coldreboot ran", (f) => f.write('/no-kexec-reboot', ''), 'cold-requested', /\/no-kexec-reboot exists.*coldreboot/],
    ['a line is not in the supported subset', (f) => f.write('/etc/default/kexec', 'LOAD_KEXEC=true\nAPPEND=$(uname -r)\n'), 'config-invalid', /\/etc\/default\/kexec:2/],
  ];
  it.each(cases)('plans a firmware reboot when %s', (_, setUp, reason, why) => {
    fake = makeFakeRoot();
    setUp(fake);
    const status = statusJson();
    expect(status).toMatchObject({ nextReboot: 'cold', reason, kexecArgv: null });
    expect(status.why).toMatch(why);
  });

  it('says which kexec call loads: the file call first, the legacy one only where kexec says the file call is not available', () => {
    fake = makeFakeRoot();
    expect(kexecReboot('status').stdout).toMatch(/^  call +kexec_file_load \(kexec -s\); kexec_load \(kexec -c\) only if kexec says the kernel cannot take the file call$/m);
    fake.write('/sys/kernel/security/lockdown', 'none [integrity] confidentiality\n');
    expect(statusJson().kexecCall).toBe('kexec_file_load (kexec -s) only: a locked-down kernel refuses kexec_load');
  });

  it('says which call loaded a preloaded kernel, from its load record', () => {
    fake = makeFakeRoot();
    fake.setKexecMode('no-file-load');
    fake.write('/etc/default/kexec', 'PRELOAD=true\n');
    expect(kexecReboot('load').code).toBe(0);
    expect(statusJson()).toMatchObject({ reason: 'preloaded', kexecCall: 'kexec_load (as recorded at the load)' });
  });

  it('keeps a kernel loaded by hand', () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(statusJson()).toMatchObject({ nextReboot: 'kexec', reason: 'already-loaded' });
  });

  it('never executes what the configuration only names', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', `APPEND="$(touch ${fake.dir}/pwned)"\nKERNEL_IMAGE=\`touch ${fake.dir}/pwned\`\n`);
    expect(statusJson().nextReboot).toBe('cold');
    expect(fake.exists('/pwned')).toBe(false);
  });
});

describe('kexec-reboot load', () => {
  it('--dry-run prints the exact command and runs nothing', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'APPEND="$(cat /proc/cmdline) panic=10"\n');
    const { code, stdout } = kexecReboot('load', '--dry-run');
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${fake.programs.kexec} -s -l ${fake.dir}/boot/vmlinuz-${KERNEL_VERSION} --initrd=${fake.dir}/boot/initrd.img-${KERNEL_VERSION} '--append=root=UUID=0b1c ro quiet panic=10'\n`,
    );
    expect(fake.invocations('kexec')).toEqual([]);
  });

  it('passes hostile values from the configuration as exact, single arguments', () => {
    fake = makeFakeRoot();
    const hostile = `a'b "c" $(id) \`id\`; reboot | cat`;
    fake.write(`/boot/my kernel;$(id)`, fs.readFileSync(`${fake.dir}/boot/vmlinuz-${KERNEL_VERSION}`));
    fake.write('/etc/default/kexec', `KERNEL_IMAGE='/boot/my kernel;$(id)'\nINITRD=\nAPPEND='${hostile.replace(/'/g, `'\\''`)}'\n`);
    expect(kexecReboot('load').code).toBe(0);
    expect(fake.invocations('kexec').map((i) => i.argv)).toEqual([['-s', '-l', `${fake.dir}/boot/my kernel;$(id)`, `--append=a'b "c" $(id) \`id\`; reboot | cat`]]);
  });

  it('loads, replacing a kernel loaded before', () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    const { code, stdout } = kexecReboot('load');
    expect(code).toBe(0);
    expect(stdout).toBe(`loaded /boot/vmlinuz-${KERNEL_VERSION} with kexec_file_load\n`);
  });

  it('fails with the reason and no stack trace when kexec refuses the image', () => {
    fake = makeFakeRoot();
    fake.setKexecMode('fail');
    const { code, stderr } = kexecReboot('load');
    expect(code).toBe(1);
    expect(stderr).toBe('kexec-reboot: kexec failed: kexec_load failed: Invalid argument\n');
  });

  it('refuses when the plan is a firmware reboot', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=0\n');
    const { code, stderr } = kexecReboot('load');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^kexec-reboot: nothing to load: LOAD_KEXEC is false/);
  });
});

describe('kexec-reboot config and check', () => {
  it('shows each effective value with the file and line it came from', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', '# comment\nKERNEL_IMAGE="/boot/vmlinuz-x"\n');
    fake.write('/etc/default/kexec.d/10-append', 'APPEND="quiet"\n');
    const json = JSON.parse(kexecReboot('config', '--json').stdout);
    expect(json.values).toMatchObject({
      KERNEL_IMAGE: { value: '/boot/vmlinuz-x', origin: '/etc/default/kexec:2' },
      APPEND: { value: 'quiet', origin: '/etc/default/kexec.d/10-append:1' },
      LOAD_KEXEC: { value: true, origin: 'default' },
    });
    expect(kexecReboot('config').stdout).toContain("KERNEL_IMAGE=/boot/vmlinuz-x  # /etc/default/kexec:2");
  });

  it('check passes on a usable configuration', () => {
    fake = makeFakeRoot();
    expect(kexecReboot('check')).toMatchObject({ code: 0, stdout: 'configuration OK\n' });
  });

  it('check lists file:line errors and fails', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'LOAD_KEXEC=maybe\n');
    const { code, stderr } = kexecReboot('check');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^\/etc\/default\/kexec:1: /m);
  });

  it('check fails when the kernel it names is unusable', () => {
    fake = makeFakeRoot();
    fake.remove(`/boot/vmlinuz-${KERNEL_VERSION}`);
    expect(kexecReboot('check')).toMatchObject({ code: 1, stderr: expect.stringMatching(/does not exist/) });
  });
});

describe('kexec-reboot hook', () => {
  it('loads on a reboot and exits 0 even when it cannot', () => {
    fake = makeFakeRoot();
    expect(kexecReboot('hook', '--verb', 'reboot')).toMatchObject({ code: 0 });
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('1');
    fake.remove(`/boot/vmlinuz-${KERNEL_VERSION}`);
    fake.write('/sys/kernel/kexec_loaded', '0\n');
    const { code, stderr } = kexecReboot('hook', '--verb', 'reboot');
    expect(code).toBe(0);
    expect(stderr).toMatch(/^kexec-reboot: reboot through firmware: .* does not exist\n$/);
  });
});

describe('kexec-reboot hook, stopped by the init system', () => {
  it('logs why the reboot goes through firmware before it exits', async () => {
    fake = makeFakeRoot();
    fake.setKexecMode('hang');
    const child = spawn(process.execPath, [CLI, '--root', fake.dir, 'hook', '--verb', 'reboot'], { env: { PATH: process.env.PATH, ...fake.env } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Wait until kexec -l runs, then do what systemd does at TimeoutStopSec.
    for (let i = 0; i < 100 && fake.invocations('kexec').length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr).toBe('kexec-reboot: reboot through firmware: stopped by the init system; no kernel is loaded\n');
  });

  it('unloads a kernel whose load it did not see through', async () => {
    fake = makeFakeRoot();
    // A kexec that gets the image into the kernel, then hangs before it returns.
    fs.writeFileSync(fake.programs.kexec, fs.readFileSync(fake.programs.kexec, 'utf8').replace('hang) exec sleep 600', `hang) echo 1 > '${fake.dir}/sys/kernel/kexec_loaded'; exec sleep 600`));
    fake.setKexecMode('hang');
    const child = spawn(process.execPath, [CLI, '--root', fake.dir, 'hook', '--verb', 'reboot'], { env: { PATH: process.env.PATH, ...fake.env } });
    for (let i = 0; i < 100 && fake.read('/sys/kernel/kexec_loaded').trim() !== '1'; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('close', resolve));
    expect(fake.invocations('kexec').map((i) => i.argv[0])).toEqual(['-s', '-u']);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('0');
  });

  it('leaves a kernel loaded by hand loaded, and says it will boot', async () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    fake.write('/run/systemd/system/.keep', '');
    // A systemctl that does not answer, so the hook is still asking which shutdown this is when systemd stops it.
    fs.writeFileSync(fake.programs.systemctl, `#!/bin/sh\ntouch '${fake.dir}/fake/asked'\nexec sleep 10\n`);
    const child = spawn(process.execPath, [CLI, '--root', fake.dir, 'hook'], { env: { PATH: process.env.PATH, ...fake.env } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    for (let i = 0; i < 100 && !fake.exists('/fake/asked'); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
    expect(fake.invocations('kexec')).toEqual([]);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('1');
    expect(stderr).toBe('kexec-reboot: reboot by kexec: stopped by the init system; the kernel loaded by hand stays loaded\n');
  });
});

describe('kexec-reboot unload --if-ours', () => {
  it('unloads the kernel kexec-reboot loaded, whether its load finished or not', () => {
    fake = makeFakeRoot();
    expect(kexecReboot('load').code).toBe(0);
    expect(kexecReboot('unload', '--if-ours')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^unloaded the kernel kexec-reboot loaded at \S+\n$/) });
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('0');
    expect(fake.exists('/run/kexec-reboot/loaded.json')).toBe(false);
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    fake.write('/run/kexec-reboot/loaded.json', '{"loadedAt":"2026-12-01T10:00:00.000Z"}\n');
    expect(kexecReboot('unload', '--if-ours')).toMatchObject({ code: 0, stdout: 'unloaded the kernel kexec-reboot loaded at 2026-12-01T10:00:00.000Z\n' });
    // Loaded with kexec_file_load: its unload; an unfinished load's record does not say which call, so kexec_load's first.
    expect(fake.invocations('kexec').map((i) => i.argv)).toEqual([expect.arrayContaining(['-l']), ['-s', '-u'], ['-u']]);
  });

  it('leaves a kernel loaded by hand', () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    expect(kexecReboot('unload', '--if-ours')).toEqual({ code: 0, stdout: 'the loaded kernel was loaded by hand, not by kexec-reboot: left loaded\n', stderr: '' });
    expect(fake.invocations('kexec')).toEqual([]);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('1');
  });

  it('succeeds when no kernel is loaded', () => {
    fake = makeFakeRoot();
    fake.write('/run/kexec-reboot/loaded.json', '{"loadedAt":"2026-12-01T10:00:00.000Z"}\n');
    expect(kexecReboot('unload', '--if-ours')).toEqual({ code: 0, stdout: 'no kernel is loaded: nothing to unload\n', stderr: '' });
    expect(fake.invocations('kexec')).toEqual([]);
  });

  it('fails with the reason when the kernel it loaded cannot be unloaded', () => {
    fake = makeFakeRoot();
    kexecReboot('load');
    fs.writeFileSync(fake.programs.kexec, '#!/bin/sh\necho "kexec_unload failed: Device or resource busy" >&2\nexit 1\n');
    const busy = 'failed: kexec_unload failed: Device or resource busy';
    expect(kexecReboot('unload', '--if-ours')).toMatchObject({ code: 1, stderr: `kexec-reboot: kexec -s -u ${busy}; kexec -u ${busy}\n` });
  });
});

describe("kexec-tools' coldreboot", () => {
  it('makes the reboot go through firmware, unloading a kernel loaded by hand during shutdown', () => {
    fake = makeFakeRoot();
    fake.write('/sys/kernel/kexec_loaded', '1\n');
    fake.write('/no-kexec-reboot', '');
    expect(statusJson()).toMatchObject({ nextReboot: 'cold', reason: 'cold-requested' });
    expect(kexecReboot('hook', '--verb', 'reboot').stderr).toMatch(/reboot through firmware: \/no-kexec-reboot exists/);
    expect(fake.invocations('kexec').map((i) => i.argv)).toEqual([['-u']]);
    expect(fake.read('/sys/kernel/kexec_loaded').trim()).toBe('0');
    expect(fake.exists('/no-kexec-reboot')).toBe(false);
  });

  it('asks for nothing any more once older than this boot: status says so and plans a kexec', () => {
    fake = makeFakeRoot();
    fake.write('/proc/uptime', '3600.00 7000.00\n');
    fake.write('/no-kexec-reboot', '');
    const lastWeek = new Date(Date.now() - 7 * 86_400_000);
    fs.utimesSync(`${fake.dir}/no-kexec-reboot`, lastWeek, lastWeek);
    expect(statusJson()).toMatchObject({
      nextReboot: 'kexec',
      system: { coldRequested: false, coldRequestedBy: '/no-kexec-reboot' },
      warnings: [expect.stringMatching(/^\/no-kexec-reboot is older than this boot .*; ignored, and removed at the next reboot$/)],
    });
  });
});


describe('the command line', () => {
  const COMMANDS = ['status', 'config', 'check', 'load', 'unload', 'preload', 'history', 'resume', 'boot-complete', 'hook', 'help'];
  const help = (...args: string[]) => {
    const result = run(...args);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    return result.stdout;
  };

  it('takes --root before or after the command, with its value as the next word or after =', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'APPEND="from the fake root"\n');
    const config = kexecReboot('config').stdout;
    expect(config).toContain('from the fake root');
    expect(run('config', '--root', fake.dir).stdout).toBe(config);
    expect(run(`--root=${fake.dir}`, 'config').stdout).toBe(config);
    expect(run('config', `--root=${fake.dir}`, '--json').stdout).toBe(kexecReboot('config', '--json').stdout);
  });

  it('takes a choice as the next word or after =', () => {
    fake = makeFakeRoot();
    expect(kexecReboot('hook', '--verb=poweroff')).toEqual({ code: 0, stdout: '', stderr: 'kexec-reboot: poweroff: no kexec\n' });
    expect(kexecReboot('hook', '--verb', 'halt')).toEqual({ code: 0, stdout: '', stderr: 'kexec-reboot: halt: no kexec\n' });
  });

  it('answers help and version, for the program and for a command', () => {
    fake = makeFakeRoot();
    const programHelp = help('--help');
    expect(programHelp).toMatch(/^Usage: kexec-reboot \[options\] \[command\]\n/);
    expect(help('-h')).toBe(programHelp);
    expect(help('help')).toBe(programHelp);
    const statusHelp = help('status', '--help');
    expect(statusHelp).toMatch(/^Usage: kexec-reboot status \[options\]\n/);
    expect(help('help', 'status')).toBe(statusHelp);
    expect(help('status', '-h')).toBe(statusHelp);
    expect(help('--version')).toBe(`${VERSION}\n`);
    expect(help('-V', 'status')).toBe(`${VERSION}\n`);
  });

  it('lists every command and option in the help, wrapped to 80 columns', () => {
    fake = makeFakeRoot();
    const programHelp = help('--help');
    for (const word of [...COMMANDS, 'help [command]', '--root <dir>', '-h, --help', '-V, --version', 'See kexec-reboot(8) and kexec-reboot.conf(5).']) {
      expect(programHelp).toContain(word);
    }
    expect(Math.max(...programHelp.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80);
    expect(programHelp).toMatch(/ {2}hook \[options\] {2,}shutdown hook: .*\n {4,}\S/);
  });

  it("names a command's options and their choices in its help, and the program's options too", () => {
    fake = makeFakeRoot();
    const hookHelp = help('help', 'hook');
    expect(hookHelp).toContain('--verb <verb>');
    expect(hookHelp.replace(/\s+/g, ' ')).toContain('(choices: "reboot", "kexec", "poweroff", "halt")');
    expect(hookHelp).toMatch(/Global Options:\n {2}--root <dir>/);
  });

  const commandList = `commands: ${COMMANDS.join(', ')}`;
  const usageErrors: [string[], string][] = [
    [[], `no command given (${commandList})`],
    [['--root', '/mnt'], `no command given (${commandList})`],
    [['frobnicate'], `unknown command 'frobnicate' (${commandList})`],
    [['help', 'frobnicate'], `unknown command 'frobnicate' (${commandList})`],
    [['status', '--bogus'], "unknown option '--bogus'"],
    [['--json', 'status'], "unknown option '--json'"],
    [['status', '--verb', 'halt'], "unknown option '--verb'"],
    [['status', '--jsn'], "unknown option '--jsn'\n(Did you mean --json?)"],
    [['status', '--json=yes'], "unknown option '--json=yes'"],
    [['status', 'extra'], "too many arguments for 'status'. Expected 0 arguments but got 1."],
    [['hook', '--verb'], "option '--verb <verb>' argument missing"],
    [['hook', '--verb', 'explode'], "option '--verb <verb>' argument 'explode' is invalid. Allowed choices are reboot, kexec, poweroff, halt."],
    [['--root'], "option '--root <dir>' argument missing"],
  ];
  it.each(usageErrors)('answers %j with exit code 2, what is wrong and where help is', (args, message) => {
    fake = makeFakeRoot();
    expect(run(...args)).toEqual({ code: 2, stdout: '', stderr: `kexec-reboot: ${message}\nTry 'kexec-reboot --help'.\n` });
  });
});
