// The scenarios. Each step is a guest shell snippet run by the agent
// (test/vm/guest/krvm-boot, which provides `say`, `act`, `divert_kexec` and
// `loader_var`, and puts config, /usr/sbin/kexec and, where the machine has
// them, /vmlinuz and /initrd.img back on every boot), plus what the host
// expects of the transition it triggers.
//
// expect: 'kexec' (next kernel starts with no firmware run), 'firmware'
// (SeaBIOS runs, then the kernel), 'poweroff' (QEMU exits, nothing boots).
// check(tr, ctx) returns an error string or null; reason is a RegExp the
// previous boot's kexec log (journal, or serial console under sysvinit) must
// match.
import { OVMF_BOOT } from './vm.mjs';

const count = (s, word) => s.split(/\s+/).filter((w) => w === word).length;
/**
 * A command line as the configuration gave it: without the marker
 * kexec-reboot adds to every kernel it loads (kexec_reboot.from=<boot id>,
 * src/host/kernel-cmdline.ts), whose presence historySays checks.
 */
const ARRIVAL_MARKER = /(^|\s)kexec_reboot\.from=\S*/g;
const configuredCmdline = (cmdline) => norm(cmdline.replace(ARRIVAL_MARKER, ' '));
const sameCmdline = (tr, ctx) => {
  if (!tr.next) return null;
  const markers = tr.next.cmdline.match(ARRIVAL_MARKER) ?? [];
  if (markers.length > 1) return `the marker rides ${markers.length} times on "${tr.next.cmdline}"`;
  return configuredCmdline(tr.next.cmdline) !== ctx.kexecCmdline ? `command line "${tr.next.cmdline}", expected "${ctx.kexecCmdline}"` : null;
};
/** After /vmlinuz was repointed to the other release's kernel, that kernel must be the one running. */
const bootedRepointedKernel = (tr, ctx) =>
  tr.next && tr.next.uname !== ctx.altUname ? `booted ${tr.next.uname}, expected the repointed ${ctx.altUname}` : null;

/** kexec-tools' flag asks for one firmware restart: the next boot must not find it. */
const noKexecRebootRemoved = (tr) =>
  tr.next && tr.next.lines.some((l) => l.startsWith('KRVM no-kexec-reboot: present')) ? '/no-kexec-reboot is still there after the reboot it asked for' : null;
const preloaded = (tr) => (tr.pre.some((l) => /^KRVM preload: result=success kexec_loaded=1/.test(l)) ? null : 'nothing was preloaded before the reboot');

/**
 * The agent's Secure Boot lines of a boot: the kernel locked itself down
 * because of Secure Boot (its own words) and /sys/kernel/security/lockdown
 * says integrity; firmware: mokutil --sb-state (needs efivarfs, which a
 * kernel without its modules on the disk cannot mount) too.
 */
const underSecureBoot = (lines, { firmware = false } = {}) =>
  lines.includes('KRVM secureboot-kernel: Kernel is locked down from EFI Secure Boot') &&
  lines.some((l) => /^KRVM lockdown: .*\[integrity\]/.test(l)) &&
  (!firmware || lines.includes('KRVM secureboot: SecureBoot enabled'));
const secureBootBefore = (tr) => (underSecureBoot(tr.pre) ? null : 'the step did not run under Secure Boot with lockdown=integrity');
const secureBootAfter = (tr, { firmware = false } = {}) =>
  tr.next && !underSecureBoot(tr.next.lines, { firmware }) ? `the next boot is not under Secure Boot with lockdown=integrity${firmware ? ' (mokutil --sb-state)' : ''}` : null;

// Shell lines some steps share: /vmlinuz and /initrd.img pointed at the other
// kernel; PRELOAD=true, the preload waited for, status shown, then `reboot`.
const REPOINT = ['ln -sfn "$KRVM_ALT_KERNEL" /vmlinuz', 'ln -sfn "$KRVM_ALT_INITRD" /initrd.img'];
const PRELOAD_THEN_REBOOT = ['echo PRELOAD=true >> /etc/default/kexec', 'wait_preload', 'say_status', 'act reboot reboot'];

/** The hook's log line of a load by kexec_file_load, the call it tries first (and the only one under lockdown). */
const LOADED_WITH_FILE_CALL = /loaded \/\S+ with kexec_file_load/;

/**
 * The next boot's `KRVM history:` line (`kexec-reboot history --json -n 1`,
 * printed once kexec-reboot-boot completed the boot) says how the reboot
 * ended and what was planned, with three positive phases that add up to the
 * downtime; and the guest's own clock agrees with the host's within
 * HISTORY_TOLERANCE_S (HOOK_START_LAG_S more where the guest counts from
 * the hook's start): request -> new kernel against the action -> the last
 * kernel's first line, the total against the action -> userspace up on the
 * console (for a failed kexec both are the firmware boot's).
 */
const HISTORY_TOLERANCE_S = 5;
/**
 * Where the request time is the hook's start (Debian 13: systemd 257 shows no
 * time for the stopped multi-user.target), the guest's clock starts later than
 * the host's action marker by what systemd did before it stopped the hook's
 * unit: 3 to 5.3 s seen under TCG here (well under a second on hardware).
 */
const HOOK_START_LAG_S = 10;
const historySays = ({ ended, planned, why, hurried = false }) => (tr) => {
  const line = tr.next?.lines.find((l) => l.startsWith('KRVM history: '));
  if (!line) return 'no history line in the next boot';
  let entry;
  try {
    [entry] = JSON.parse(line.slice('KRVM history: '.length));
  } catch {
    return `history is not JSON: ${line.slice(0, 300)}`;
  }
  if (!entry) return 'the history is empty';
  if (entry.ended !== ended || entry.planned !== planned) return `history says ended=${entry.ended} planned=${entry.planned}, expected ${ended}, planned ${planned}: ${line.slice(0, 300)}`;
  if (entry.arrival?.kernelRelease !== tr.next.uname) return `history's kernel ${entry.arrival?.kernelRelease} is not the running ${tr.next.uname}`;
  // Our kexec names the requesting boot on the new kernel's command line, and the arrival read it back.
  if (ended === 'kexec' && entry.request?.kernel && entry.arrival?.kexecFrom !== entry.request.bootId) {
    return `the arrival's marker names ${entry.arrival?.kexecFrom ?? 'no boot'}, not the requesting ${entry.request.bootId}`;
  }
  if (why && !why.test(entry.reason ?? '')) return `history's reason "${entry.reason}" does not match ${why}`;
  if (hurried && !tr.next.lines.some((l) => /^KRVM hurried: kexec-reboot-boot (activating|inactive)/.test(l))) return 'the next boot was not hurried: kexec-reboot-boot was not held back';
  const d = entry.downtime;
  // A hurried boot read its history before kexec-reboot-boot could say when
  // userspace was up: the request -> new kernel phase is all it can have.
  if (hurried) return d?.requestToKernel > 0 ? null : `a hurried boot's history has no request -> kernel phase: ${JSON.stringify(d)}`;
  if (!d || !(d.requestToKernel > 0 && d.kernelToInit > 0 && d.initToUp > 0)) return `history's phases are not all positive: ${JSON.stringify(d)}`;
  if (Math.abs(d.requestToKernel + d.kernelToInit + d.initToUp - d.total) > 0.05) return `history's phases do not add up to its total: ${JSON.stringify(d)}`;
  const host = { requestToKernel: tr.lastKernelAt === null ? null : (tr.lastKernelAt - tr.t) / 1000, total: tr.userspaceUpAt === null ? null : (tr.userspaceUpAt - tr.t) / 1000 };
  const lag = entry.request?.requestedFrom === 'hook' ? HOOK_START_LAG_S : 0;
  for (const key of ['requestToKernel', 'total']) {
    if (host[key] === null) return `the host saw no ${key === 'total' ? 'userspace up' : 'kernel'} line to compare the history with`;
    const late = host[key] - d[key];
    if (late < -HISTORY_TOLERANCE_S || late > HISTORY_TOLERANCE_S + lag) return `history's ${key} ${d[key]} s (request time from the ${entry.request?.requestedFrom}), the host measured ${host[key].toFixed(1)} s`;
  }
  return null;
};
const statusSays = (pattern) => (tr) => {
  const status = tr.pre.find((l) => l.startsWith('KRVM status-json:'));
  return status && pattern.test(status) ? null : `status --json before the reboot does not match ${pattern}: ${(status ?? 'no status-json line').slice(0, 300)}`;
};
const all = (...checks) => (tr, ctx) => checks.reduce((error, check) => error ?? check(tr, ctx), null);

export const norm = (s) => s.trim().split(/\s+/).join(' ');

// kdump-tools (kdump chain). The agent prints `KRVM kdump: when=boot|before-reboot
// crash_loaded=N ... status=...` (status: kdump-config's "current state"); the
// kexec audit wrapper (guest/krvm-kexec-audit) one `kexec-call`/`kexec-done`
// pair per kexec run, with its caller and /sys/kernel/kexec{,_crash}_loaded.
const kdumpLine = (lines, when) => lines.find((l) => l.startsWith(`KRVM kdump: when=${when} `));
const kdumpArmed = (line) => /\scrash_loaded=1\s/.test(line ?? '') && /\sstatus=ready to kdump\s*$/.test(line ?? '');
const byKdumpTools = (c) => /kdump-config/.test(c.by);
const panicSlot = (c) => /(^|\s)(-p|--load-panic)(\s|$)/.test(c.argv);
/** The audited kexec calls in lines: { by, argv, before, after }, after '' for a call that never returned (kexec -e). */
function kexecCalls(lines) {
  const calls = [];
  for (const line of lines) {
    // A kernel message can land at the end of the line on the shared console.
    const l = line.replace(/\[\s*\d+\.\d+\] .*$/, '');
    let m;
    if ((m = l.match(/^KRVM kexec-call: pid=(\d+) by=(.*) argv=(.*) before: (.*)$/))) calls.push({ pid: m[1], by: m[2].trim(), argv: m[3], before: m[4], after: '' });
    else if ((m = l.match(/^KRVM kexec-done: pid=(\d+) rc=(\d+) after: (.*)$/))) {
      const c = calls.findLast((x) => x.pid === m[1] && !x.after);
      if (c) Object.assign(c, { rc: Number(m[2]), after: m[3] });
    }
  }
  return calls;
}
/** A transition's lines: the old system's way down, and the new boot's up to its agent marker. */
const downAndUp = (tr) => {
  const i = tr.lines.findIndex((l) => /Linux version \d/.test(l));
  return i < 0 ? [tr.lines, []] : [tr.lines.slice(0, i), tr.lines.slice(i + 1)];
};
const show = (c) => `\`kexec ${c.argv.slice(0, 60)}\` by ${c.by.slice(0, 60)} (${c.before}${c.after ? ` -> ${c.after}` : ''})`;
/**
 * kdump was armed just before the action, and on the way down nothing but
 * kdump-tools touched the crash kernel: no `kexec -p` (load or unload) from
 * anyone else, the crash kernel loaded across every call until kdump-tools'
 * own stop unloads it (kdump-tools.service's ExecStop), and no kexec-reboot
 * journal line about the panic slot. loads: kexec-reboot's `kexec -l` must be
 * among the calls, made with the crash kernel loaded and leaving it loaded.
 */
const kdumpKept = ({ loads }) => (tr) => {
  const before = kdumpLine(tr.pre, 'before-reboot');
  if (!kdumpArmed(before)) return `kdump not armed just before the action: ${before ?? 'no kdump line'}`;
  const down = kexecCalls(downAndUp(tr)[0]);
  const foreign = down.find((c) => panicSlot(c) && !byKdumpTools(c));
  if (foreign) return `crash kernel touched by someone other than kdump-tools: ${show(foreign)}`;
  const stop = down.findIndex((c) => byKdumpTools(c) && panicSlot(c));
  const lost = (stop < 0 ? down : down.slice(0, stop)).find((c) => !/crash_loaded=1$/.test(c.before) || (c.after && !/crash_loaded=1$/.test(c.after)));
  if (lost) return `crash kernel not loaded around ${show(lost)}`;
  if (loads) {
    const load = down.find((c) => /kexec-reboot/.test(c.by) && /(^|\s)(-l|--load|-s)(\s|$)/.test(c.argv));
    if (!load) return 'no `kexec -l` by kexec-reboot seen on the way down';
    if (!/loaded=1 crash_loaded=1$/.test(load.after)) return `after kexec-reboot's load: ${show(load)}`;
  }
  // The crash kernel by name or by kexec's flag; "a crash" in the reboot history's words is not about it.
  const ours = (tr.next?.prevlog ?? []).find((l) => /kexec-reboot\[\d+\]:.*(\s-p\b|--load-panic|crash[ _-]?kernel|kexec_crash)/i.test(l));
  return ours ? `kexec-reboot logged about the crash kernel: ${ours}` : null;
};
/** After the transition: kdump-tools loaded the crash kernel again (its `kexec -p`), kdump-config says ready, crashkernel= still on the command line. */
/** molly-guard's checks ran for COMMAND on the way down (its run.d check says so on the console). */
const throughMollyGuard = (command) => (tr) =>
  downAndUp(tr)[0].includes(`KRVM molly-guard: checks ran for ${command}`) ? null : `${command} did not go through molly-guard's checks`;

const kdumpRearmed = (tr) => {
  if (!tr.next) return null;
  if (!/(^|\s)crashkernel=\S/.test(tr.next.cmdline)) return `no crashkernel= on the new command line "${tr.next.cmdline}"`;
  const load = kexecCalls(downAndUp(tr)[1]).find((c) => byKdumpTools(c) && panicSlot(c));
  if (!load) return 'kdump-tools ran no `kexec -p` in the new boot';
  if (load.rc !== 0 || !/crash_loaded=1$/.test(load.after)) return `kdump-tools' load in the new boot: ${show(load)} rc=${load.rc}`;
  const after = kdumpLine(tr.next.lines, 'boot');
  return kdumpArmed(after) ? null : `kdump not armed in the new boot: ${after ?? 'no kdump line'}`;
};

// systemd-boot (sdboot chain). The agent prints in every boot `KRVM loader:
// oneshot=… default=… selected=…` (systemd-boot's EFI variables; selected:
// the entry it started at the last firmware boot) and one `KRVM bls-entry:
// FILE version=… title=… options=…` per type #1 entry on the ESP; a step
// says which entry its reboot must start (`KRVM expect-entry: FILE`).
const blsEntries = (lines) =>
  lines
    .map((l) => l.replace(/\[\s*\d+\.\d+\] .*$/, '').match(/^KRVM bls-entry: (\S+) version=(\S*) title=(.*) options=(.*)$/))
    .filter(Boolean)
    .map(([, file, version, title, options]) => ({ file, version, title, options: norm(options) }));
/** The next boot runs the entry the step named: its kernel, its options the whole command line. */
const intoExpectedEntry = (tr) => {
  if (!tr.next) return null;
  const file = tr.pre.find((l) => l.startsWith('KRVM expect-entry: '))?.slice('KRVM expect-entry: '.length).trim();
  if (!file) return 'the step named no entry to expect';
  const entry = blsEntries(tr.next.lines).find((e) => e.file === file);
  if (!entry) return `no entry ${file} on the ESP in the next boot`;
  if (tr.next.uname !== entry.version) return `booted ${tr.next.uname}, expected ${file}'s ${entry.version}`;
  return configuredCmdline(tr.next.cmdline) === entry.options ? null : `command line "${tr.next.cmdline}", expected ${file}'s options "${entry.options}"`;
};
/**
 * systemd-boot's menu on the console (OVMF mirrors the EFI console to the
 * serial port): an entry's title after the firmware started it, up to the
 * kernel's first line, which follows the menu with no newline between.
 */
const menuSeen = (tr) => {
  const titles = [...new Set(blsEntries(tr.pre).map((e) => e.title))];
  const firmware = tr.lines.findIndex((l) => OVMF_BOOT.test(l));
  if (firmware < 0) return 'OVMF started no boot option on the console';
  const kernel = tr.lines.findIndex((l, i) => i > firmware && /Linux version \d/.test(l));
  return tr.lines.slice(firmware, kernel < 0 ? undefined : kernel + 1).some((l) => titles.some((t) => l.includes(t)))
    ? null
    : `no entry title (${titles.join(', ')}) on the console between the firmware and the kernel`;
};
const oneShotCleared = (tr) => {
  if (!tr.next) return null;
  const loader = tr.next.lines.find((l) => l.startsWith('KRVM loader: '));
  if (!loader) return 'no loader line in the next boot';
  return /oneshot=\S/.test(loader) ? `LoaderEntryOneShot still set in the next boot: ${loader}` : null;
};

// arm64 (arm64 chain): Debian's arm64 kernels are built without
// kexec_file_load, so the hook's first try (`kexec -s`) is refused and it
// loads with kexec_load (`kexec -c`), and says so. No boot protocol tells
// an arm64 kernel it came by kexec: the arrival marker on its command line
// does (historySays).
const LOADED_WITH_LEGACY_CALL = /loaded \/\S+ with kexec_load \(kexec_file_load is not available/;

/** A kernel loaded by hand must not survive a coldreboot: the hook unloads it. */
const handLoadThenColdreboot = {
  script: [
    'kexec -l /vmlinuz --initrd=/initrd.img --reuse-cmdline',
    'say "loaded by hand: rc=$? kexec_loaded=$(cat /sys/kernel/kexec_loaded)"',
    'act coldreboot coldreboot',
  ].join('\n'),
  expect: 'firmware',
  reason: /no-kexec-reboot exists/,
};

// kured (Kubernetes' reboot daemon) as its DaemonSet runs on a node (hostPID,
// privileged): the sentinel command and the reboot command run in the host's
// mount namespace through `nsenter -m/proc/1/ns/mnt --` (kured's
// buildHostCommand); `--reboot-method=signal` sends SIGRTMIN+5 (34 + 5 in
// kured's source) to PID 1, which systemd takes as a start of reboot.target.
// The sentinel is the README's: reboot the node only if it would kexec.
const KURED_SENTINEL = `nsenter -m/proc/1/ns/mnt -- sh -c 'test -e /var/run/reboot-required && kexec-reboot check' >/dev/null 2>&1; say "kured-sentinel: rc=$?"`;
const kuredSentinelSaid = (...codes) => (tr) => {
  const said = tr.pre.filter((l) => l.startsWith('KRVM kured-sentinel: rc=')).map((l) => Number(l.slice('KRVM kured-sentinel: rc='.length)));
  return said.join() === codes.join() ? null : `kured's sentinel command exited ${said.join(', ') || 'never'}, expected ${codes.join(', ')}`;
};

/**
 * sdu: the kernel and initrd kexec-reboot took out of ukify's image are, byte
 * for byte, a kernel and an initrd of the machine (guest/krvm-uki-parts, in
 * kexec's place, says which): each section taken by its VirtualSize, not its
 * padded raw size. The wrapper speaks during the shutdown, after the action.
 */
const ukiPartsAreTheirSources = (tr) => {
  const said = tr.lines.find((l) => l.startsWith('KRVM uki-parts: '));
  if (!said) return 'no kexec load reported the parts of the unified image';
  return /kernel=\/boot\/vmlinuz-\S+ initrd=\/boot\/initrd\.img-\S+ from=\/run\//.test(said) ? null : `the parts loaded are not the files ukify built the image from: ${said}`;
};

export const STEPS = {
  '1': {
    title: '`reboot` -> kexec, same command line minus BOOT_IMAGE',
    script: 'act reboot reboot',
    expect: 'kexec',
    reason: LOADED_WITH_FILE_CALL,
    check: all(sameCmdline, historySays({ ended: 'kexec', planned: 'kexec' })),
  },
  '2a': {
    title: '`systemctl reboot` -> kexec',
    script: 'act systemctl-reboot systemctl reboot',
    expect: 'kexec',
    check: sameCmdline,
  },
  '2b': {
    title: '`shutdown -r now` -> kexec',
    script: 'act shutdown-r shutdown -r now',
    expect: 'kexec',
    check: sameCmdline,
  },
  '2c': {
    title: 'logind D-Bus Reboot -> kexec',
    script: 'act logind-Reboot busctl call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager Reboot b false',
    expect: 'kexec',
    check: sameCmdline,
  },
  ku: {
    title: "kured's signal method: its sentinel (`kexec-reboot check`) says 1 while the kernel named is missing, 0 once it is not; SIGRTMIN+5 to PID 1 -> kexec",
    script: [
      'touch /var/run/reboot-required',
      "echo KERNEL_IMAGE=/boot/vmlinuz-krvm-missing > /etc/default/kexec.d/krvm-kured",
      KURED_SENTINEL,
      'rm /etc/default/kexec.d/krvm-kured',
      KURED_SENTINEL,
      'act kured-signal kill -39 1',
    ].join('\n'),
    expect: 'kexec',
    reason: LOADED_WITH_FILE_CALL,
    check: all(kuredSentinelSaid(1, 0), sameCmdline, historySays({ ended: 'kexec', planned: 'kexec' })),
  },
  kc: {
    title: "kured's command method: `nsenter -m/proc/1/ns/mnt -- /bin/systemctl reboot` -> kexec",
    script: 'act kured-command nsenter -m/proc/1/ns/mnt -- /bin/systemctl reboot',
    expect: 'kexec',
    check: all(sameCmdline, historySays({ ended: 'kexec', planned: 'kexec' })),
  },
  '3a': {
    title: "`coldreboot` (kexec-tools') -> firmware, /no-kexec-reboot removed",
    script: 'act coldreboot coldreboot',
    expect: 'firmware',
    reason: /no-kexec-reboot exists/,
    check: all(noKexecRebootRemoved, historySays({ ended: 'firmware', planned: 'firmware', why: /no-kexec-reboot exists/ })),
  },
  '3b': {
    title: '`kexec -l` by hand, then `coldreboot` -> firmware',
    ...handLoadThenColdreboot,
  },
  '3c': {
    title: "kexec-tools' way: `touch /no-kexec-reboot`, `reboot` -> firmware, the file removed",
    script: 'touch /no-kexec-reboot\nact reboot reboot',
    expect: 'firmware',
    reason: /no-kexec-reboot exists/,
    check: noKexecRebootRemoved,
  },
  // A kexec boot that never comes up (issue: the reboot history): PID 1
  // exits, the kernel panics, panic=5 restarts it through the firmware
  // (nothing is loaded then). A missing init= file would not fail: Debian's
  // initramfs falls back to /sbin/init.
  rf: {
    title: 'failure: a kexec into a boot that fails (init=/bin/false panic=5) -> back through firmware; recorded as a failed kexec, kexec paused',
    script: ['mkdir -p /etc/default/kexec.d', `printf '%s\\n' 'APPEND="$(cat /proc/cmdline) init=/bin/false panic=5"' > /etc/default/kexec.d/krvm-fail`, 'act reboot reboot'].join('\n'),
    expect: 'kexec>firmware',
    check: historySays({ ended: 'kexec-failed', planned: 'kexec', why: /did not come up/ }),
  },
  // Hurried (issue: every promise under real timing): the step's next boot
  // holds kexec-reboot-boot back, and its agent reads the history and runs
  // its own step at once, as a server rebooted again the moment SSH answers.
  q1: {
    title: '`reboot` -> kexec; the next boot is hurried (kexec-reboot-boot held back): its history already says kexec',
    script: 'hurry_next_boot\nact reboot reboot',
    expect: 'kexec',
    reason: LOADED_WITH_FILE_CALL,
    check: all(sameCmdline, historySays({ ended: 'kexec', planned: 'kexec', hurried: true })),
  },
  qf: {
    title: 'failure: a kexec into a boot that fails -> back through firmware, which is hurried: recorded as a failed kexec, kexec paused all the same',
    script: ['hurry_next_boot', 'mkdir -p /etc/default/kexec.d', `printf '%s\\n' 'APPEND="$(cat /proc/cmdline) init=/bin/false panic=5"' > /etc/default/kexec.d/krvm-fail`, 'act reboot reboot'].join('\n'),
    expect: 'kexec>firmware',
    check: historySays({ ended: 'kexec-failed', planned: 'kexec', why: /did not come up/, hurried: true }),
  },
  rp: {
    title: 'after the failed kexec boot: `status` says kexec is paused; `reboot` -> firmware, reason logged',
    script: 'say_status\nact reboot reboot',
    expect: 'firmware',
    reason: /kexec is paused/,
    check: all(statusSays(/"reason":\s*"kexec-paused"/), historySays({ ended: 'firmware', planned: 'firmware', why: /kexec is paused/ })),
  },
  rr: {
    title: '`kexec-reboot resume`, then `reboot` -> kexec again',
    script: 'say "resume: $(kexec-reboot resume)"\nact reboot reboot',
    expect: 'kexec',
    check: all((tr) => (tr.pre.some((l) => /^KRVM resume: kexec resumed/.test(l)) ? null : 'resume did not say it resumed'), historySays({ ended: 'kexec', planned: 'kexec' })),
  },
  hx: {
    title: '`kexec-reboot history` in the VM, then `poweroff` -> powers off',
    script: [
      'kexec-reboot history | while IFS= read -r l; do say "history-text: $l"; done',
      'while IFS= read -r l; do say "metrics-text: $l"; done < /var/lib/prometheus/node-exporter/kexec_reboot.prom',
      'act poweroff poweroff',
    ].join('\n'),
    expect: 'poweroff',
    check: (tr) => {
      if (tr.pre.filter((l) => l.startsWith('KRVM history-text: ')).length < 3) return 'the history does not show the reboots before it';
      // Written by this boot's boot-complete: the kexec and the firmware reboot before it.
      const metrics = tr.pre.filter((l) => l.startsWith('KRVM metrics-text: ')).map((l) => l.slice('KRVM metrics-text: '.length));
      const want = ['kexec_reboot_reboots_total{ended="kexec"} 1', 'kexec_reboot_reboots_total{ended="firmware"} 1', 'kexec_reboot_paused 0'];
      const missing = want.filter((line) => !metrics.includes(line));
      return missing.length ? `the metrics file lacks ${missing.join(', ')}: ${metrics.join(' | ').slice(0, 300)}` : null;
    },
  },
  // What kexec-reboot costs a boot with PRELOAD off: one Node start (the
  // boot's completion), none that multi-user.target waits for.
  bc: {
    title: 'boot cost, PRELOAD off: one unit of ours starts Node (kexec-reboot-boot), none delays multi-user.target; `systemd-analyze blame`, then `poweroff`',
    script: [
      'i=0',
      'until systemd-analyze time >/dev/null 2>&1 || [ $i -ge 300 ]; do sleep 1; i=$((i + 1)); done',
      'say "analyze-time: $(systemd-analyze time 2>&1 | head -n 1)"',
      'systemd-analyze blame --no-pager 2>&1 | grep kexec-reboot | while IFS= read -r l; do say "blame: $l"; done',
      'say "critical-chain: $(systemd-analyze critical-chain --no-pager multi-user.target 2>&1 | grep -c kexec-reboot) units of ours"',
      'act poweroff poweroff',
    ].join('\n'),
    expect: 'poweroff',
    check: (tr) => {
      const blame = tr.pre.filter((l) => l.startsWith('KRVM blame: '));
      if (!blame.some((l) => /kexec-reboot-boot\.service/.test(l))) return `kexec-reboot-boot.service did not run: ${blame.join(' | ')}`;
      if (blame.some((l) => /kexec-reboot-preload\.service/.test(l))) return `kexec-reboot-preload.service ran with PRELOAD off (a second Node start): ${blame.join(' | ')}`;
      return tr.pre.includes('KRVM critical-chain: 0 units of ours') ? null : 'a unit of ours is on multi-user.target\'s critical chain';
    },
  },
  '4': {
    title: '`poweroff` -> powers off, no kexec',
    script: 'act poweroff poweroff',
    expect: 'poweroff',
  },
  '5': {
    title: 'LOAD_KEXEC=false -> firmware',
    script: 'echo LOAD_KEXEC=false >> /etc/default/kexec\nact reboot reboot',
    expect: 'firmware',
  },
  '6': {
    title: '/vmlinuz repointed after boot -> that kernel boots',
    script: [
      ...REPOINT,
      'say "repointed: $(readlink /vmlinuz) $(readlink /initrd.img)"',
      'act reboot reboot',
    ].join('\n'),
    expect: 'kexec',
    needsAlt: true,
    check: bootedRepointedKernel,
  },
  '7a': {
    title: 'failure: kernel file missing -> firmware, reason logged',
    script: 'echo KERNEL_IMAGE=/boot/vmlinuz-krvm-missing >> /etc/default/kexec\nact reboot reboot',
    expect: 'firmware',
    reason: /vmlinuz-krvm-missing/,
  },
  '7b': {
    title: 'failure: corrupt kernel -> firmware, reason logged',
    script: [
      'head -c 4000000 /dev/urandom > /boot/vmlinuz-krvm-corrupt',
      'ln -sfn boot/vmlinuz-krvm-corrupt /vmlinuz',
      'act reboot reboot',
    ].join('\n'),
    expect: 'firmware',
    reason: /kexec-reboot.*(vmlinuz-krvm-corrupt|kexec.*(fail|error|exit|status|invalid|cannot))/i,
  },
  '7c': {
    title: 'failure: corrupt initrd -> firmware, reason logged',
    script: [
      'head -c 4000000 /dev/urandom > /boot/initrd.img-krvm-corrupt',
      'ln -sfn boot/initrd.img-krvm-corrupt /initrd.img',
      'act reboot reboot',
    ].join('\n'),
    expect: 'firmware',
    reason: /kexec-reboot.*(initrd.img-krvm-corrupt|initrd)/i,
  },
  '7d': {
    title: 'failure: broken config line -> firmware, reason logged',
    script: `printf '%s\\n' 'APPEND="unterminated' >> /etc/default/kexec\nact reboot reboot`,
    expect: 'firmware',
    reason: /\/etc\/default\/kexec:\d+/,
  },
  '7e': {
    title: 'failure: `kexec` hangs -> firmware, reason logged',
    script: [
      'divert_kexec',
      `printf '#!/bin/sh\\nexec sleep infinity\\n' > /usr/sbin/kexec`,
      'chmod 755 /usr/sbin/kexec',
      'act reboot reboot',
    ].join('\n'),
    expect: 'firmware',
    reason: /kexec-reboot.*(time|timed out|timeout|killed|SIGTERM|SIGKILL)/i,
  },
  '7f': {
    title: 'failure: /usr/sbin/kexec removed -> firmware, reason logged',
    script: 'divert_kexec\nact reboot reboot',
    expect: 'firmware',
    reason: /kexec-reboot.*(\/usr\/sbin\/kexec|ENOENT|not found|no such|not installed|missing)/i,
  },
  '8': {
    title: 'APPEND="$(cat /proc/cmdline) marker" -> marker once, no BOOT_IMAGE',
    // Runs from a firmware boot, so /proc/cmdline has BOOT_IMAGE= to strip.
    script: `printf '%s\\n' 'APPEND="$(cat /proc/cmdline) krvm_marker=1"' >> /etc/default/kexec\nact reboot reboot`,
    expect: 'kexec',
    check: (tr) => {
      if (!tr.next) return null;
      const c = tr.next.cmdline;
      if (count(c, 'krvm_marker=1') !== 1) return `krvm_marker=1 appears ${count(c, 'krvm_marker=1')} times in "${c}"`;
      if (/(^|\s)BOOT_IMAGE=/.test(c)) return `BOOT_IMAGE= still on "${c}"`;
      return null;
    },
  },
  // PRELOAD=true (issue 8). wait_preload (agent) starts the preload service,
  // or joins the run the path unit started, and waits for it.
  p1: {
    title: 'PRELOAD: nothing changed; status says preloaded; `reboot` -> kexec, hook keeps the loaded kernel',
    script: PRELOAD_THEN_REBOOT.join('\n'),
    expect: 'kexec',
    check: (tr, ctx) => {
      const status = tr.pre.find((l) => l.startsWith('KRVM status-json:'));
      if (!tr.pre.includes('KRVM boot-waits-for-preload: 0')) return `multi-user.target waits for kexec-reboot-preload.service: ${tr.pre.find((l) => l.startsWith('KRVM boot-waits-for-preload:')) ?? 'not reported'}`;
      if (!status) return 'no status-json line before the reboot';
      if (!/"reason":\s*"preloaded"/.test(status)) return `status --json before the reboot is not reason: preloaded: ${status.slice(0, 300)}`;
      if (!(tr.next?.prevlog ?? []).some((l) => /still what the configuration names/.test(l))) return 'the hook did not log "still what the configuration names" in the next boot\'s journal';
      return sameCmdline(tr, ctx);
    },
  },
  p6: {
    title: 'PRELOAD: kernel repointed after the preload -> the new kernel boots',
    script: [
      'echo PRELOAD=true >> /etc/default/kexec',
      'wait_preload',
      ...REPOINT,
      'say "repointed: $(readlink /vmlinuz) $(readlink /initrd.img)"',
      'sleep 2',
      'wait_preload',
      'say_status',
      'act reboot reboot',
    ].join('\n'),
    expect: 'kexec',
    needsAlt: true,
    check: bootedRepointedKernel,
  },
  p3: {
    title: "PRELOAD: `coldreboot` (kexec-tools': `/no-kexec-reboot`, then `reboot`) -> firmware",
    // Under systemd 255+ a reboot asked for while a kernel is loaded becomes a
    // kexec; the hook must unload it so that the kexec falls back to a reboot.
    script: 'echo PRELOAD=true >> /etc/default/kexec\nwait_preload\nact coldreboot coldreboot',
    expect: 'firmware',
    reason: /no-kexec-reboot exists/,
    check: (tr) => preloaded(tr) ?? noKexecRebootRemoved(tr),
  },
  // `systemctl reboot --force` stops no service, so the hook never runs;
  // systemd-shutdown's hooks do: the final kexec -e must honour the flag itself.
  pf: {
    title: 'PRELOAD (kernel loaded), `/no-kexec-reboot`, `systemctl reboot --force` (no service stopped, the hook never runs) -> firmware',
    script: 'echo PRELOAD=true >> /etc/default/kexec\nwait_preload\ntouch /no-kexec-reboot\nact reboot-force systemctl reboot --force',
    expect: 'firmware',
    check: (tr) => preloaded(tr) ?? (downAndUp(tr)[0].some((l) => /kexec-reboot: .*no-kexec-reboot/.test(l)) ? null : 'the final kexec -e said nothing on the console about /no-kexec-reboot'),
  },
  p4: {
    title: 'PRELOAD: `poweroff` -> powers off',
    script: 'echo PRELOAD=true >> /etc/default/kexec\nwait_preload\nact poweroff poweroff',
    expect: 'poweroff',
    check: preloaded,
  },
  // GRUB (issue 6): grub.cfg written by Debian's grub-mkconfig in the image,
  // the other release's kernel installed next to the image's own.
  g1: {
    title: 'USE_GRUB_CONFIG + `grub-reboot` to the older kernel -> kexec into it, next_entry cleared',
    script: [
      'echo USE_GRUB_CONFIG=true >> /etc/default/kexec',
      'grub-reboot "Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux $KRVM_ALT_UNAME"',
      'say "grubenv before: $(grub-editenv list | tr \'\\n\' \' \')"',
      'say_status',
      'act reboot reboot',
    ].join('\n'),
    expect: 'kexec',
    needsAlt: true,
    check: (tr, ctx) => {
      if (!tr.next) return null;
      if (tr.next.uname !== ctx.altUname) return `booted ${tr.next.uname}, expected the grub-reboot entry's ${ctx.altUname}`;
      const env = tr.next.lines.find((l) => l.startsWith('KRVM grubenv:'));
      if (!env) return 'no grubenv line in the next boot';
      if (/next_entry=\S/.test(env)) return `next_entry not cleared: ${env}`;
      return null;
    },
  },
  l1: {
    title: 'lockdown: `APPEND="$(cat /proc/cmdline) lockdown=integrity"` -> kexec into a lockdown boot',
    script: `printf '%s\\n' 'APPEND="$(cat /proc/cmdline) lockdown=integrity"' >> /etc/default/kexec\nact reboot reboot`,
    expect: 'kexec',
    check: (tr) => (tr.next && !tr.next.lines.some((l) => /^KRVM lockdown: .*\[integrity\]/.test(l)) ? 'the next boot is not under lockdown=integrity' : null),
  },
  l3: {
    title: 'lockdown=integrity (no Secure Boot): `reboot` -> the kernel refuses the image, reason logged, firmware',
    // Without Secure Boot the kernel trusts no key that signed Debian's
    // kernel for kexec_file_load, so even the signed image is refused.
    script: 'say_status\nact reboot reboot',
    expect: 'firmware',
    reason: /refused the image.*(lockdown|Secure Boot)|(lockdown|Secure Boot).*refused/i,
    check: (tr) => (tr.pre.some((l) => /^KRVM lockdown: .*\[integrity\]/.test(l)) ? null : 'this step did not run under lockdown=integrity'),
  },
  // Secure Boot (OVMF with Microsoft's keys -> Debian's signed shim -> signed
  // GRUB -> Debian's signed kernel): the kernel is locked down, only
  // kexec_file_load of a kernel signed with a key shim vouches for loads.
  sb1: {
    title: 'Secure Boot: `reboot` -> kexec, the next kernel still under Secure Boot and lockdown',
    script: 'say_status\nact reboot reboot',
    expect: 'kexec',
    reason: LOADED_WITH_FILE_CALL,
    check: (tr, ctx) => secureBootBefore(tr) ?? secureBootAfter(tr, { firmware: true }) ?? sameCmdline(tr, ctx),
  },
  sbp: {
    title: 'Secure Boot, PRELOAD=true, /vmlinuz repointed to the other signed kernel: preloaded, `reboot` -> kexec into it',
    script: [...REPOINT, ...PRELOAD_THEN_REBOOT].join('\n'),
    expect: 'kexec',
    needsAlt: true,
    check: (tr, ctx) => secureBootBefore(tr) ?? preloaded(tr) ?? bootedRepointedKernel(tr, ctx) ?? secureBootAfter(tr),
  },
  // kexec-tools 2.0.25 (Debian 12) unloads with kexec_load, which a
  // locked-down kernel refuses: the preloaded kernel must go all the same.
  sbc: {
    title: "Secure Boot, PRELOAD=true (kernel loaded), kexec-tools' `coldreboot` -> firmware: the preloaded kernel unloaded under lockdown",
    script: [...PRELOAD_THEN_REBOOT.slice(0, 3), 'act coldreboot coldreboot'].join('\n'),
    expect: 'firmware',
    reason: /no-kexec-reboot exists/,
    check: (tr) => secureBootBefore(tr) ?? preloaded(tr) ?? noKexecRebootRemoved(tr) ?? secureBootAfter(tr, { firmware: true }),
  },
  sbu: {
    title: 'Secure Boot: an unsigned kernel in KERNEL_IMAGE -> `status` says it will be refused, `reboot` -> firmware, reason logged',
    script: [
      // A copy of the kernel /vmlinuz names (the boot before may run the other one).
      'cp "$(readlink -f /vmlinuz)" /boot/vmlinuz-krvm-unsigned',
      'sbattach --remove /boot/vmlinuz-krvm-unsigned',
      'say "unsigned copy: $(sbverify --list /boot/vmlinuz-krvm-unsigned 2>&1 | head -n 1)"',
      `printf 'KERNEL_IMAGE=/boot/vmlinuz-krvm-unsigned\\nINITRD=/initrd.img\\n' >> /etc/default/kexec`,
      'say_status',
      'act reboot reboot',
    ].join('\n'),
    expect: 'firmware',
    reason: /vmlinuz-krvm-unsigned.*(not signed|no signature|unsigned)|(not signed|no signature|unsigned).*vmlinuz-krvm-unsigned/i,
    check: (tr) => {
      const status = tr.pre.find((l) => l.startsWith('KRVM status-json:'));
      if (!status) return 'no status-json line before the reboot';
      if (!/"nextReboot":\s*"cold"/.test(status) || !/not signed|no signature|unsigned/i.test(status)) return `status --json before the reboot does not say the unsigned kernel will not load: ${status.slice(0, 300)}`;
      return secureBootBefore(tr) ?? secureBootAfter(tr);
    },
  },
  // kdump-tools (issue: coexistence): crashkernel= on the command line,
  // kdump-tools.service loads the crash kernel with `kexec -p` at boot.
  k1: {
    title: 'kdump armed, molly-guard: `reboot` -> through molly-guard, kexec, crash kernel left to kdump-tools, kdump armed again after',
    script: 'say_kdump before-reboot\nact reboot reboot',
    expect: 'kexec',
    check: (tr, ctx) => throughMollyGuard('reboot')(tr) ?? kdumpKept({ loads: true })(tr) ?? kdumpRearmed(tr) ?? sameCmdline(tr, ctx),
  },
  k2: {
    title: 'kdump armed, molly-guard: `coldreboot` -> through molly-guard, firmware, kdump armed again after',
    script: 'say_kdump before-reboot\nact coldreboot coldreboot',
    expect: 'firmware',
    check: (tr) => throughMollyGuard('coldreboot')(tr) ?? kdumpKept({ loads: false })(tr) ?? kdumpRearmed(tr),
  },
  m1: {
    title: 'molly-guard: `kexec -l` by hand, then `coldreboot` -> through molly-guard, firmware',
    ...handLoadThenColdreboot,
    check: (tr) => throughMollyGuard('coldreboot')(tr) ?? noKexecRebootRemoved(tr),
  },
  // systemd-boot, no GRUB, no /vmlinuz (issue 24): kernels put on the ESP by
  // kernel-install, entries in loader/entries (guest/krvm-sdboot-tree). The
  // configuration is what installing the packages leaves: kexec-tools'
  // /etc/default/kexec (its postinst writes KERNEL_IMAGE="/vmlinuz" and
  // INITRD="/initrd.img"), which kexec-reboot's postinst leaves as it is.
  sd1: {
    title: 'systemd-boot: `reboot` -> kexec into the entry systemd-boot booted (its default), with that entry\'s command line; `status` says the loader entry chose the kernel',
    script: 'say "expect-entry: $(loader_var LoaderEntrySelected)"\nsay_status\nact reboot reboot',
    expect: 'kexec',
    reason: LOADED_WITH_FILE_CALL,
    check: all(intoExpectedEntry, statusSays(/"kernel":\s*\{[^}]*"origin":\s*"[^"]*\/loader\/entries\/[^"]*\.conf/), historySays({ ended: 'kexec', planned: 'kexec' })),
  },
  // Runs after sd3: another entry than the running (default) one to name.
  sd2: {
    title: 'systemd-boot: `bootctl set-oneshot` another entry, `reboot` -> kexec into it with its command line; LoaderEntryOneShot cleared',
    script: [
      'entry=$(ls /boot/efi/loader/entries | grep -vxF "$(cat /etc/machine-id)-$(uname -r).conf" | head -n 1)',
      'bootctl set-oneshot "$entry"',
      'say "oneshot set: $(loader_var LoaderEntryOneShot)"',
      'say "expect-entry: $entry"',
      'say_status',
      'act reboot reboot',
    ].join('\n'),
    expect: 'kexec',
    check: all(
      (tr) => (tr.pre.some((l) => /^KRVM oneshot set: \S+\.conf$/.test(l)) ? null : 'the step set no one-shot entry'),
      intoExpectedEntry,
      statusSays(/LoaderEntryOneShot/),
      oneShotCleared,
    ),
  },
  sd3: {
    title: 'systemd-boot: a newer kernel installed with apt (backports; its postinst runs kernel-install, a new entry), `reboot` -> kexec into that entry, systemd-boot\'s choice now',
    script: [
      'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /usr/local/share/krvm/backports/*.deb > /tmp/krvm-apt.log 2>&1',
      'say "apt-get install: rc=$?"',
      'tail -n 12 /tmp/krvm-apt.log | while IFS= read -r l; do say "apt: $l"; done',
      'ver=$(dpkg-deb -f /usr/local/share/krvm/backports/linux-image-[0-9]*.deb Package | sed "s/^linux-image-//")',
      'say "expect-entry: $(cat /etc/machine-id)-$ver.conf"',
      'say_status',
      'act reboot reboot',
    ].join('\n'),
    expect: 'kexec',
    check: all((tr) => (tr.pre.includes('KRVM apt-get install: rc=0') ? null : 'apt-get install failed'), intoExpectedEntry),
  },
  sdc: {
    title: "systemd-boot: `coldreboot` (kexec-tools') -> firmware, systemd-boot's menu on the console",
    script: 'act coldreboot coldreboot',
    expect: 'firmware',
    reason: /no-kexec-reboot exists/,
    check: all(noKexecRebootRemoved, menuSeen),
  },
  // Last before poweroff: the UKI stays the default.
  sdu: {
    title: 'systemd-boot: a unified kernel image (ukify) made the default (`bootctl set-default`), `reboot` -> kexec into it with its .cmdline',
    script: [
      'cp /usr/local/share/krvm/krvm-uki.efi /boot/efi/EFI/Linux/',
      'bootctl set-default krvm-uki.efi',
      'divert_kexec',
      'cp /usr/local/sbin/krvm-uki-parts /usr/sbin/kexec',
      'say "uki: default=$(loader_var LoaderEntryDefault) cmdline=$(cat /usr/local/share/krvm/krvm-uki.cmdline)"',
      'say_status',
      'act reboot reboot',
    ].join('\n'),
    expect: 'kexec',
    check: all(
      (tr) => {
        const m = tr.pre.map((l) => l.match(/^KRVM uki: default=(\S*) cmdline=(.*)$/)).find(Boolean);
        if (!m) return 'the step did not put the UKI on the ESP';
        if (m[1] !== 'krvm-uki.efi') return `LoaderEntryDefault is "${m[1]}", not the UKI`;
        return tr.next && configuredCmdline(tr.next.cmdline) !== norm(m[2]) ? `command line "${tr.next.cmdline}", expected the UKI's "${norm(m[2])}"` : null;
      },
      statusSays(/"kernel":\s*\{[^}]*"origin":\s*"[^"]*EFI\/Linux\/krvm-uki\.efi/),
      ukiPartsAreTheirSources,
    ),
  },
  a1: {
    title: 'arm64: `reboot` -> kexec, loaded with kexec_load (no kexec_file_load in the kernel), same command line minus BOOT_IMAGE',
    script: 'say_status\nact reboot reboot',
    expect: 'kexec',
    reason: LOADED_WITH_LEGACY_CALL,
    check: all(statusSays(/"nextReboot":\s*"kexec"/), sameCmdline, historySays({ ended: 'kexec', planned: 'kexec' })),
  },
  la: {
    title: 'arm64 under lockdown=integrity: `status` plans a firmware reboot up front (no kexec_file_load, kexec_load refused); `reboot` -> firmware, reason logged',
    script: 'say_status\nact reboot reboot',
    expect: 'firmware',
    reason: /built without kexec_file_load/,
    check: all(
      (tr) => (tr.pre.some((l) => /^KRVM lockdown: .*\[integrity\]/.test(l)) ? null : 'this step did not run under lockdown=integrity'),
      statusSays(/"nextReboot":\s*"cold",\s*"reason":\s*"kexec-unsupported"/),
      historySays({ ended: 'firmware', planned: 'firmware', why: /built without kexec_file_load/ }),
    ),
  },
  // Harness self-test only (`run.mjs --selftest`, no package installed): proves
  // the host tells a kexec from a firmware run. Never counted as scenarios.
  h1: {
    title: 'self-test: `kexec -l` by hand + `systemctl kexec` -> kexec',
    script: 'kexec -l /vmlinuz --initrd=/initrd.img --reuse-cmdline\nact systemctl-kexec systemctl kexec',
    expect: 'kexec',
  },
  h2: {
    title: 'self-test: `reboot` without the package -> firmware',
    script: 'act reboot reboot',
    expect: 'firmware',
  },
};

// Step orders per VM run. Booting 1 and 8 from a firmware boot matters: only
// then does /proc/cmdline carry BOOT_IMAGE=.
//
// `full` is the whole matrix (`run.mjs --full`); `ci` is what `npm run
// test:vm`, and so CI, runs on this 2-core TCG machine, where one boot costs
// about 2 minutes: every code path once, on the release whose code differs
// (systemd 252 and kexec-tools 2.0.25 on Debian 12, 257 and 2.0.29 on 13).
// Left to `full`: on Debian 12 what runs the same code the same way on both
// releases (the failures that never reach kexec-tools: 7d broken config, 7a
// kernel missing, 7f no kexec program; the command-line idiom 8; the other
// reboot verbs; 6, run on Debian 13); on Debian 13 the verbs `shutdown -r`
// and `systemctl reboot` (2b, 2a: Debian 12 runs 2a, and 2c, logind, is the
// same systemd path), 8, the firmware requests 3c (Debian 12 sysvinit runs
// it), 3b (m1 is 3b through molly-guard) and 5, 7a, 7d, 7f (the plan-is-cold
// path sbu takes on both releases); under Secure Boot 3a (coldreboot is run
// elsewhere, and sbu's firmware boot is under Secure Boot); the plain UEFI
// chain, whose boot path (OVMF, GRUB from the ESP, kexec of an EFI-booted
// kernel) the Secure Boot chains take too.
const both = (steps) => ({ ci: steps, full: steps });
const EVERY_STEP = ['1', 'q1', '2a', '2b', '2c', '6', '3a', '8', '3b', '3c', '5', 'rf', 'rp', 'rr', 'qf', 'rp', 'rr', '7d', '7a', '7b', '7f', '7c', '7e', '4'];
export const CHAINS = {
  // Debian 13 runs the hurried steps in CI (q1 is 1, qf is rf, with the next
  // boot hurried), Debian 12 the patient ones.
  systemd: { ci: ['q1', '2c', '6', '3a', 'qf', 'rp', 'rr', '7e', '4'], full: EVERY_STEP },
  'systemd-debian12': { ci: ['1', '2a', '3a', 'rf', 'rp', 'rr', '7c', '4'], full: EVERY_STEP },
  sysvinit: { ci: ['1', '3a', '3c', '4'], full: ['1', '3a', '3b', '3c', '5', '4'] },
  // Not in CI: Debian 12's sysvinit chain runs the same scripts and hook.
  'sysvinit-debian13': { ci: [], full: ['1', '3a', '3b', '3c', '5', '4'] },
  // PRELOAD=true (issue 8), one VM per release (Debian 13 unless --full).
  // p3 (coldreboot unloads the preloaded kernel) is sbc's path in CI.
  preload: { ci: ['p1', 'p6', 'pf', 'p4'], full: ['p1', 'p6', 'p3', 'pf', 'p4'] },
  // Debian 13 + GRUB, direct kernel boot (issue 6): grub-reboot, lockdown.
  grub: both(['g1', 'l1', 'l3', '4']),
  // Debian 13 booting like a server: OVMF + GRUB from the disk (issue 5).
  uefi: { ci: [], full: ['1', '2a', '3a', '6', '8', '5', 'g1', '4'] },
  // Debian 12 and 13 under Secure Boot: OVMF, shim, signed GRUB and kernels.
  // sbc on Debian 12 in CI: its kexec-tools is the one whose plain unload
  // a locked-down kernel refuses.
  'secureboot-debian12': { ci: ['sb1', 'sbp', 'sbc', 'sbu', '4'], full: ['sb1', 'sbp', 'sbc', 'sbu', '3a', '4'] },
  secureboot: { ci: ['sb1', 'sbp', 'sbu', '4'], full: ['sb1', 'sbp', 'sbc', 'sbu', '3a', '4'] },
  // Debian 13 + kdump-tools and molly-guard, crashkernel= on the command line.
  kdump: { ci: ['k1', 'm1', '4'], full: ['k1', 'k2', 'm1', '4'] },
  // Debian 13 booting systemd-boot, no GRUB, no /vmlinuz (issue 24). sd3
  // before sd2 (which names an entry other than the running one), sdu last.
  sdboot: { ci: ['sd1', 'sdu', '4'], full: ['sd1', 'sd3', 'sd2', 'sdc', 'sdu', '4'] },
  // Debian 13 arm64 under AAVMF (TCG, about half the x86 guests' speed):
  // --full only. a1 is 1 with the legacy load; l1 kexecs into a lockdown
  // boot, where la finds no call to load with; rf, rp, rr, 3a and 4 as on
  // x86, the arrival told by the marker alone.
  arm64: { ci: [], full: ['a1', 'l1', 'la', 'rf', 'rp', 'rr', '3a', '4'] },
  // kured's ways to reboot a node, on Debian 13 (--full, --only kured): the
  // same systemd reboot job as 2a and 2c, reached as kured reaches it.
  kured: { ci: [], full: ['ku', 'kc', '4'] },
  demo: both(['1', '3a', 'hx']),
  // A measurement, not in CI (--only bootcost): one boot of a Debian 13 VM.
  'boot-cost': both(['bc']),
  selftest: both(['h1', 'h2', '4']),
};

// What a chain's VM needs beyond the defaults (1 GiB of RAM, appendFor()'s
// command line, the tree with the package and the agent): more RAM, words
// added to the command line, guest files (test/vm/guest/NAME -> path in the
// tree) and shell run in the tree under chroot after the package is in.
export const MACHINES = {
  sdboot: {
    files: { 'krvm-uki-parts': 'usr/local/sbin/krvm-uki-parts' },
  },
  kdump: {
    // crashkernel=256M out of 1.5 GiB leaves the system 1.25 GiB.
    memoryMiB: 1536,
    append: 'crashkernel=256M',
    files: { 'krvm-kexec-audit': 'usr/local/sbin/krvm-kexec-audit', 'krvm-molly-guard-check': 'etc/molly-guard/run.d/05-krvm' },
    prepare: [
      // kdump-tools as an admin enables it (Debian's default is already 1).
      "sed -i 's/^#* *USE_KDUMP=.*/USE_KDUMP=1/' /etc/default/kdump-tools",
      'grep -qx USE_KDUMP=1 /etc/default/kdump-tools',
      // kdump-tools' own kernel hook builds /var/lib/kdump/initrd.img-VERSION
      // (mkinitramfs), which it skips under chroot and would otherwise run at
      // the first boot (90 s under TCG): run it here, told it is no chroot.
      // kdump-config load deletes that initrd unless latest_sysctls-VERSION
      // matches /etc/kdump/sysctl.conf, so record the copy its first load would.
      'ver=$(linux-version list | tail -n 1)',
      'mkdir -p /var/lib/kdump && cp /etc/kdump/sysctl.conf "/var/lib/kdump/latest_sysctls-$ver"',
      'mkdir -p /tmp/krvm-bin && printf "#!/bin/sh\\nexit 1\\n" > /tmp/krvm-bin/ischroot && chmod 755 /tmp/krvm-bin/ischroot',
      'PATH=/tmp/krvm-bin:$PATH /etc/kernel/postinst.d/kdump-tools "$ver"',
      'rm -rf /tmp/krvm-bin',
      'test -s "/var/lib/kdump/initrd.img-$ver"',
      // Every kexec call audited on the console (the real one diverted).
      'dpkg-divert --local --rename --divert /usr/sbin/kexec.krvm-real --add /usr/sbin/kexec',
      'cp /usr/local/sbin/krvm-kexec-audit /usr/sbin/kexec',
    ].join('\n'),
  },
};
