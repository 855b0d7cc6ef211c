// Runs chains of steps in VMs and judges each transition from the host's
// view: serial console lines (timestamped on arrival) and SeaBIOS banners.
import fs from 'node:fs';
import path from 'node:path';
import { progress } from './host.mjs';
import { GRUB_ROOT_UUID, makeDisk } from './image.mjs';
import { CHAINS, MACHINES, STEPS, norm } from './scenarios.mjs';
import { aavmfFor, ovmfFor } from './uefi.mjs';
import { ARCHES, runVM } from './vm.mjs';
import { ConsoleLines } from './console-lines.mjs';

export function appendFor(uname, extra = '', { arch = 'amd64' } = {}) {
  // BOOT_IMAGE= as GRUB passes it, so the suite sees it stripped on kexec.
  return `BOOT_IMAGE=/boot/vmlinuz-${uname} root=/dev/vda ro console=${ARCHES[arch].console} panic=10${extra ? ` ${extra}` : ''}`;
}

/**
 * Splits a VM's events into boots and transitions.
 * A transition starts at an `action` marker and ends at the next boot marker
 * (or QEMU's exit); its path lists, in order, firmware runs, kernels started
 * without a firmware run just before (kexec), watchdog resets and the exit.
 */
export function analyze(events) {
  const boots = [];
  const transitions = [];
  let cur = null;
  let lastFirmwareBeforeKernel = false;
  let pre = []; // this boot's lines since its marker, up to the action
  for (const ev of events) {
    if (ev.type === 'line') {
      const text = ev.text;
      let m;
      if (!cur) pre.push(text);
      if ((m = text.match(/^KRVM boot=(\d+) init=(\S+) uname=(\S+) cmdline=(.*)$/))) {
        pre = [];
        const boot = { n: Number(m[1]), t: ev.t, init: m[2], uname: m[3], cmdline: m[4], prevlog: [], lines: pre };
        boots.push(boot);
        if (cur) {
          cur.next = boot;
          cur.upAt = ev.t;
          transitions.push(cur);
          cur = null;
        }
      } else if ((m = text.match(/^KRVM prevlog: (.*)$/))) {
        boots.at(-1)?.prevlog.push(m[1]);
      } else if ((m = text.match(/^KRVM action step=(\d+) name=(\S+)/))) {
        if (cur) transitions.push(cur); // an action that never led anywhere
        cur = { step: Number(m[1]), name: m[2], t: ev.t, path: [], lines: [], pre, kernelAt: null, lastKernelAt: null, initAt: null, userspaceUpAt: null, firmwareAt: null, handoverAt: null, next: null };
        pre = [];
        lastFirmwareBeforeKernel = false;
      } else if (cur) {
        cur.lines.push(text);
        // The running kernel's last words: the hand-over to the next kernel
        // (kexec) or to the firmware (reset), as the bench reports them.
        if (cur.kernelAt === null && /kexec_core: Starting new kernel|reboot: Restarting system|reboot: machine restart/.test(text)) cur.handoverAt ??= ev.t;
        // PID 1 starts (the initramfs's /init): the last kernel's, as with its start.
        if (/Run \/init as init process/.test(text)) cur.initAt = ev.t;
        // Userspace up as the console shows it: systemd reaching multi-user.target, or (sysvinit) kexec-reboot-boot's line.
        if (/Reached target .*Multi-User System|kexec-reboot: this boot: /.test(text)) cur.userspaceUpAt = ev.t;
        if (/Linux version \d/.test(text)) {
          if (cur.kernelAt === null) cur.kernelAt = ev.t;
          cur.lastKernelAt = ev.t;
          if (!lastFirmwareBeforeKernel) cur.path.push('kexec');
          lastFirmwareBeforeKernel = false;
        }
      }
    } else if (cur && ev.type === 'firmware') {
      // A warm reset can make SeaBIOS start over once ("In resume ...
      // Attempting a hard reboot"): banners with no kernel between them are
      // one pass through the firmware.
      if (cur.path.at(-1) !== 'firmware') cur.path.push('firmware');
      cur.firmwareAt ??= ev.t;
      lastFirmwareBeforeKernel = true;
    } else if (cur && ev.type === 'reset') {
      cur.path.push(`watchdog-reset(${ev.why})`);
    } else if (cur && ev.type === 'exit') {
      cur.path.push(cur.path.length === 0 && ev.code === 0 ? 'poweroff' : `qemu-exit(${ev.code})`);
      cur.exitAt = ev.t;
    }
  }
  if (cur) transitions.push(cur);
  return { boots, transitions };
}

const monotonic = (line) => Number(line.match(/^\[\s*(\d+\.\d+)\]/)?.[1]);
/**
 * What the shutdown hook did on the way down, from the previous boot's
 * journal: its wall and CPU time (systemd's stop job and "Consumed" line) and
 * its own last words. How close a run came to the hook's time limit shows
 * here before it shows as a firmware reboot.
 */
function hookReport(tr) {
  const log = tr.next?.prevlog ?? [];
  const stopping = log.find((l) => /Stopping kexec-reboot\.service/.test(l));
  const stopped = log.find((l) => /Stopped kexec-reboot\.service/.test(l));
  const cpu = log.find((l) => /kexec-reboot\.service: Consumed/.test(l))?.match(/Consumed (.*?) CPU time/)?.[1];
  const said = [...log, ...tr.lines].filter((l) => /kexec-reboot(\[\d+\])?:/.test(l) && !/systemd\[1\]/.test(l)).slice(-3).map((l) => l.replace(/^.*?kexec-reboot(\[\d+\])?: /, ''));
  const wall = stopping && stopped ? `${(monotonic(stopped) - monotonic(stopping)).toFixed(1)} s` : undefined;
  return { wall, cpu, said };
}

function judge(stepId, tr, ctx) {
  const step = STEPS[stepId];
  const row = { id: stepId, title: step.title, expected: step.expect, observed: 'not reached', down: null, up: null, ok: false, note: '' };
  if (!tr) {
    row.note = 'the chain stopped before this step';
    return row;
  }
  row.observed = tr.path.join('>') || 'nothing';
  if (tr.kernelAt !== null) row.down = (tr.kernelAt - tr.t) / 1000;
  if (tr.next) row.up = (tr.next.t - tr.t) / 1000;
  if (step.expect === 'poweroff' && tr.exitAt !== undefined) row.down = (tr.exitAt - tr.t) / 1000;
  const problems = [];
  if (row.observed !== step.expect) problems.push(`path ${row.observed}`);
  if (step.expect !== 'poweroff' && !tr.next) problems.push('no next boot');
  const err = step.check?.(tr, ctx);
  if (err) problems.push(err);
  if (step.reason) {
    const log = [...(tr.next?.prevlog ?? []), ...tr.lines];
    if (!log.some((l) => step.reason.test(l))) problems.push(`no logged reason matching ${step.reason}`);
  }
  row.ok = problems.length === 0;
  if (!row.ok) {
    const hook = hookReport(tr);
    if (hook.wall || hook.said.length) problems.push(`the hook${hook.wall ? ` ran ${hook.wall} (CPU ${hook.cpu ?? '?'})` : ''}${hook.said.length ? `, said: ${hook.said.join(' | ')}` : ''}`);
  }
  row.note = problems.join('; ');
  return row;
}

/** Events back from a *.serial.log written by runVM (to judge a run again). */
export function eventsFromSerialLog(text) {
  const events = [];
  // The log holds the console as it came (vm.mjs): lines put back together as runVM does.
  const consoleLines = new ConsoleLines();
  for (const raw of text.split('\n')) {
    let m;
    if ((m = raw.match(/^\[host ([\d.]+)\] (.*)$/))) {
      const t = Number(m[1]) * 1000;
      const what = m[2];
      let w;
      if (what.startsWith('FIRMWARE')) events.push({ t, type: 'firmware' });
      else if ((w = what.match(/^WATCHDOG system_reset: (.*)$/))) events.push({ t, type: 'reset', why: w[1] });
      else if ((w = what.match(/^QEMU exited (\S+)/))) events.push({ t, type: 'exit', code: w[1] === 'null' ? null : Number(w[1]) });
    } else if ((m = raw.match(/^\[([\d.]+)\] (.*)$/))) {
      for (const line of consoleLines.push(m[2])) events.push({ t: Number(m[1]) * 1000, type: 'line', text: line });
    }
  }
  return events;
}

/** Judges a finished chain's events (steps: its step ids, in order): rows for the table. */
export function judgeChain({ release, init, steps, events, ctx }) {
  const { boots, transitions } = analyze(events);
  // Booted by GRUB (UEFI): the kexec command line is the first boot's, as
  // GRUB passed it, minus BOOT_IMAGE= and initrd=.
  if (ctx.kexecCmdline === undefined && boots[0]) ctx = { ...ctx, kexecCmdline: norm(boots[0].cmdline.replace(/(^|\s)(BOOT_IMAGE|initrd)=\S*/g, ' ')) };
  const rows = steps.map((id, i) => {
    const tr = transitions.find((x) => x.step === i + 1);
    return { ...judge(id, tr, ctx), release, init };
  });
  if (boots.length === 0) rows.forEach((r) => (r.note = r.note || 'the VM never reached the test agent'));
  return { rows, boots, transitions };
}

export function contextFor(kernel, alt, { uefi = false, extra = '', arch = 'amd64' } = {}) {
  if (uefi) return { altUname: alt?.uname };
  const append = appendFor(kernel.uname, extra, { arch });
  return { kexecCmdline: norm(append.replace(/(^|\s)(BOOT_IMAGE|initrd)=\S*/g, ' ')), altUname: alt?.uname };
}

export { GRUB_ROOT_UUID };

/**
 * One VM run: makes the disk, boots, runs the chain's steps in order.
 * Returns rows for the table.
 */
export async function runChain({ release, init, chain, full = false, tar, kernel, alt, deb, dir, label, grub = false, uefi = false, secureBoot = false, sdboot = false, arch = 'amd64', verbose = false }) {
  const name = `debian${release}-${init}${label ? `-${label}` : ''}`;
  const tag = `debian${release}/${init}${label ? `/${label}` : ''}`;
  const stepIds = CHAINS[chain][full ? 'full' : 'ci'];
  const steps = stepIds.map((id) => `# ${id}: ${STEPS[id].title}\n${STEPS[id].script}`);
  const needsAlt = stepIds.some((id) => STEPS[id].needsAlt);
  const machine = MACHINES[chain] ?? {};
  progress(`${tag}: making the disk (package + agent, ${stepIds.length} steps)`);
  const t0 = Date.now();
  const disk = await makeDisk({
    tar, init, deb, steps, alt: needsAlt ? alt : null, dir, name,
    grub: (grub || uefi) && !sdboot ? { uuid: GRUB_ROOT_UUID } : null,
    rootUuid: grub || uefi ? GRUB_ROOT_UUID : null,
    layout: sdboot ? 'sdboot' : secureBoot ? 'secureboot' : uefi ? 'uefi' : 'whole',
    prepare: machine.prepare ?? null,
    files: machine.files ?? {},
    arch,
  });
  progress(`${tag}: disk ready in ${((Date.now() - t0) / 1000).toFixed(0)} s; booting under TCG${secureBoot ? ' (OVMF with Secure Boot, shim + signed GRUB from the disk)' : sdboot ? ' (OVMF + systemd-boot from the disk)' : uefi ? ' (OVMF + GRUB from the disk)' : arch === 'arm64' ? ' (arm64: AAVMF, direct kernel boot)' : ''}`);
  const append = appendFor(kernel.uname, machine.append, { arch });
  const ctx = contextFor(kernel, alt, { uefi, extra: machine.append, arch });
  fs.writeFileSync(path.join(dir, `${name}.run.json`), JSON.stringify({ release, init: label ? `${init}+${label}` : init, chain, steps: stepIds, ctx }, null, 2));
  let lastAction = null;
  const vmStart = Date.now();
  const { events } = await runVM({
    name,
    disk,
    kernel: kernel.kernel,
    initrd: kernel.initrd,
    append,
    uefi: arch === 'arm64' ? aavmfFor(dir, name) : uefi ? ovmfFor(dir, name, { secureBoot }) : null,
    arch,
    memoryMiB: machine.memoryMiB,
    dir,
    onLine: ({ t, text }) => {
      const at = `${tag} +${(t / 1000).toFixed(1)}s`;
      let m;
      if ((m = text.match(/^KRVM boot=(\d+) init=\S+ uname=(\S+)/))) {
        const since = lastAction !== null ? ` (${((t - lastAction) / 1000).toFixed(1)} s after the action)` : '';
        progress(`${at}: boot ${m[1]} up, ${m[2]}${since}`);
      } else if ((m = text.match(/^KRVM action step=(\d+) name=(\S+)/))) {
        lastAction = t;
        const id = stepIds[Number(m[1]) - 1];
        progress(`${at}: step ${m[1]} [${id ?? 'end'}] ${m[2]}`);
      } else if (/^\(host\)/.test(text) || /^KRVM action-returned step=\d+ rc=[1-9]/.test(text)) {
        progress(`${at}: ${text}`);
      } else if (/Linux version \d/.test(text) && lastAction !== null) {
        progress(`${at}: kernel starting (${((t - lastAction) / 1000).toFixed(1)} s after the action)`);
      } else if (verbose) {
        progress(`${at}: ${text}`);
      }
    },
  });
  const vmSeconds = (Date.now() - vmStart) / 1000;
  if (process.env.KRVM_KEEP !== '1') fs.rmSync(disk, { force: true });
  const { rows, boots, transitions } = judgeChain({ release, init: label ? `${init}+${label}` : init, steps: stepIds, events, ctx });
  const hookTimes = transitions.map((tr) => ({ step: tr.step, ...hookReport(tr) })).filter((h) => h.wall);
  if (hookTimes.length) progress(`${tag}: the shutdown hook's wall time (CPU) per step: ${hookTimes.map((h) => `${h.step}: ${h.wall} (${h.cpu ?? '?'})`).join(', ')}`);
  progress(`${tag}: VM finished in ${vmSeconds.toFixed(0)} s, ${rows.filter((r) => r.ok).length}/${rows.length} steps passed (serial log: ${path.join(dir, `${name}.serial.log`)})`);
  return { rows, boots, transitions, vmSeconds, name, events };
}

export function table(rows) {
  const fmt = (x) => (x === null || x === undefined ? '-' : `${x.toFixed(1)}s`);
  const head = ['scenario', 'release', 'init', 'expected', 'observed', 'downtime kernel/up', 'result'];
  const body = rows.map((r) => [
    `${r.id} ${r.title}`,
    `Debian ${r.release}`,
    r.init,
    r.expected,
    r.observed,
    r.expected === 'poweroff' ? `off ${fmt(r.down)}` : `${fmt(r.down)}/${fmt(r.up)}`,
    r.ok ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.id} Debian ${r.release} ${r.init}: ${r.note}`);
  if (notes.length) out.push('', 'notes:', ...notes);
  return out.join('\n');
}
