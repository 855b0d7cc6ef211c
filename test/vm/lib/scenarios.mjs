// The scenarios. Each step is a guest shell snippet run by the agent
// (test/vm/guest/krvm-boot, which provides `say`, `act` and `divert_kexec`,
// and puts config, /vmlinuz, /initrd.img and /usr/sbin/kexec back on every
// boot), plus what the host expects of the transition it triggers.
//
// expect: 'kexec' (next kernel starts with no firmware run), 'firmware'
// (SeaBIOS runs, then the kernel), 'poweroff' (QEMU exits, nothing boots).
// check(tr, ctx) returns an error string or null; reason is a RegExp the
// previous boot's kexec log (journal, or serial console under sysvinit) must
// match.

const count = (s, word) => s.split(/\s+/).filter((w) => w === word).length;
const sameCmdline = (tr, ctx) =>
  tr.next && norm(tr.next.cmdline) !== ctx.kexecCmdline
    ? `command line "${tr.next.cmdline}", expected "${ctx.kexecCmdline}"`
    : null;
/** After /vmlinuz was repointed to the other release's kernel, that kernel must be the one running. */
const bootedRepointedKernel = (tr, ctx) =>
  tr.next && tr.next.uname !== ctx.altUname ? `booted ${tr.next.uname}, expected the repointed ${ctx.altUname}` : null;

/** kexec-tools' flag asks for one firmware restart: the next boot must not find it. */
const noKexecRebootRemoved = (tr) =>
  tr.next && tr.next.lines.some((l) => l.startsWith('KRVM no-kexec-reboot: present')) ? '/no-kexec-reboot is still there after the reboot it asked for' : null;
const preloaded = (tr) => (tr.pre.some((l) => /^KRVM preload: result=success kexec_loaded=1/.test(l)) ? null : 'nothing was preloaded before the reboot');

export const norm = (s) => s.trim().split(/\s+/).join(' ');

export const STEPS = {
  '1': {
    title: '`reboot` -> kexec, same command line minus BOOT_IMAGE',
    script: 'act reboot reboot',
    expect: 'kexec',
    check: sameCmdline,
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
  '3a': {
    title: '`coldreboot` -> firmware',
    script: 'act coldreboot coldreboot',
    expect: 'firmware',
  },
  '3b': {
    title: '`kexec -l` by hand, then `coldreboot` -> firmware',
    script: [
      'kexec -l /vmlinuz --initrd=/initrd.img --reuse-cmdline',
      'say "loaded by hand: rc=$? kexec_loaded=$(cat /sys/kernel/kexec_loaded)"',
      'act coldreboot coldreboot',
    ].join('\n'),
    expect: 'firmware',
  },
  '3c': {
    title: "kexec-tools' way: `touch /no-kexec-reboot`, `reboot` -> firmware, the file removed",
    script: 'touch /no-kexec-reboot\nact reboot reboot',
    expect: 'firmware',
    reason: /no-kexec-reboot exists/,
    check: noKexecRebootRemoved,
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
      'ln -sfn "$KRVM_ALT_KERNEL" /vmlinuz',
      'ln -sfn "$KRVM_ALT_INITRD" /initrd.img',
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
    script: [
      'echo PRELOAD=true >> /etc/default/kexec',
      'wait_preload',
      'say_status',
      'act reboot reboot',
    ].join('\n'),
    expect: 'kexec',
    check: (tr, ctx) => {
      const status = tr.pre.find((l) => l.startsWith('KRVM status-json:'));
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
      'ln -sfn "$KRVM_ALT_KERNEL" /vmlinuz',
      'ln -sfn "$KRVM_ALT_INITRD" /initrd.img',
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
    title: 'PRELOAD: `coldreboot` -> firmware',
    script: 'echo PRELOAD=true >> /etc/default/kexec\nwait_preload\nact coldreboot coldreboot',
    expect: 'firmware',
    check: preloaded,
  },
  p5: {
    title: "PRELOAD: kexec-tools' own coldreboot (`/no-kexec-reboot`, then `reboot`) -> firmware",
    // Under systemd 255+ a reboot asked for while a kernel is loaded becomes a
    // kexec; the hook must unload it so that the kexec falls back to a reboot.
    script: 'echo PRELOAD=true >> /etc/default/kexec\nwait_preload\nact coldreboot.kexec-tools "$(command -v coldreboot.kexec-tools)"',
    expect: 'firmware',
    reason: /no-kexec-reboot exists/,
    check: (tr) => preloaded(tr) ?? noKexecRebootRemoved(tr),
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
export const CHAINS = {
  systemd: ['1', '2a', '2b', '2c', '6', '3a', '8', '3b', '3c', '5', '7d', '7a', '7b', '7f', '7c', '7e', '4'],
  // PRELOAD=true (issue 8), one VM per release (Debian 13 by default).
  preload: ['p1', 'p6', 'p3', 'p5', 'p4'],
  // Debian 13 + GRUB, direct kernel boot (issue 6): grub-reboot, lockdown.
  grub: ['g1', 'l1', 'l3', '4'],
  // Debian 13 booting like a server: OVMF + GRUB from the disk (issue 5).
  uefi: ['1', '3a', '6', '4'],
  'uefi-full': ['1', '2a', '3a', '6', '8', '5', 'g1', '4'],
  sysvinit: ['1', '3a', '3b', '3c', '5', '4'],
  demo: ['1', '3a', '4'],
  selftest: ['h1', 'h2', '4'],
};
