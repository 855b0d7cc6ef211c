// One QEMU run (TCG only, never KVM): direct kernel boot, virtio disk, serial
// console read line by line with host timestamps, SeaBIOS debug console
// (isa-debugcon 0x402) watched to count firmware runs. A watchdog resets the
// machine (monitor `system_reset`, i.e. through firmware) when a step hangs,
// so one stuck transition does not lose the rest of the chain. arm64: the
// `virt` machine under AAVMF, which prints its own line per run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ConsoleLines } from './console-lines.mjs';

// SeaBIOS prints its banner twice per run (debug console, then again once the
// text console is up); the BUILD: line follows only the first one.
const BANNER = /SeaBIOS \(version [^\n]*\nBUILD:/g;
// Debian's OVMF is a release build: nothing on the debug console. Its boot
// manager prints this line on the serial console each time it starts a boot
// option, i.e. once per firmware run (never on a kexec).
export const OVMF_BOOT = /BdsDxe: loading Boot[0-9A-F]{4}/;
// AAVMF (ArmVirtQemu, a release build too) prints this on the serial console
// first thing at every start, before it loads anything: once per firmware
// run, whatever it then boots (QEMU's -kernel here, with no boot option and
// so no BdsDxe line). A kexec jumps into the new kernel and never prints it.
const AAVMF_START = /UEFI firmware \(version .* built at /;

/**
 * What differs per guest architecture. arm64: `-cpu max` has LPA2, with
 * which kexec oopses Debian's 6.12 (trans_pgd_create_copy); pauth-impdef
 * is the cheap pointer authentication under TCG. TCG runs an arm64 guest at
 * about half the x86 one's speed here (a boot to multi-user.target takes
 * 55 to 60 s), so its watchdog waits twice as long.
 */
export const ARCHES = {
  amd64: { qemu: 'qemu-system-x86_64', console: 'ttyS0', slower: 1 },
  arm64: { qemu: 'qemu-system-aarch64', console: 'ttyAMA0', machine: 'virt', cpu: 'max,pauth-impdef=on,lpa2=off', slower: 2 },
};

/**
 * Returns { events, exitCode } where events are, in time order,
 *   { t, type: 'line', text } serial line, t = ms since the VM started,
 *   { t, type: 'firmware' }   a SeaBIOS banner (a firmware run),
 *   { t, type: 'reset', why } the watchdog reset the machine,
 *   { t, type: 'exit', code } QEMU exited.
 * Direct kernel boot (SeaBIOS) with kernel/initrd/append, or, with
 * uefi = { code, vars, secureBoot } (uefi.mjs ovmfFor), OVMF as pflash booting GRUB from the disk.
 * arch: 'amd64' or 'arm64' (ARCHES); arm64 always has uefi (uefi.mjs
 *   aavmfFor), which boots kernel/initrd/append itself. Its watchdog
 *   timeouts are the given ones times ARCHES[arch].slower.
 * memoryMiB: guest RAM (the kdump chain reserves crashkernel= out of it).
 * sshPort: a network card (QEMU's user-mode network, the guest walled off
 *   from the host and the outside) whose only way in is this port on the
 *   host's 127.0.0.1, forwarded to the guest's port 22. Without it, no network.
 * signal: an AbortSignal that stops QEMU (the fleet test ends its VMs so).
 */
export function runVM({ name, disk, kernel, initrd, append, uefi = null, arch = 'amd64', memoryMiB = 1024, sshPort = null, signal = null, dir, onLine, actionTimeoutMs = 300_000, bootTimeoutMs = 240_000, totalTimeoutMs = 45 * 60_000 }) {
  const { qemu: qemuBinary, slower } = ARCHES[arch];
  actionTimeoutMs *= slower;
  bootTimeoutMs *= slower;
  totalTimeoutMs *= slower;
  const arm64 = arch === 'arm64';
  return new Promise((resolve) => {
    const debugLog = path.join(dir, `${name}.debugcon.log`);
    const monSock = path.join(dir, `${name}.monitor.sock`);
    const serialLog = fs.createWriteStream(path.join(dir, `${name}.serial.log`));
    fs.rmSync(debugLog, { force: true });
    fs.rmSync(monSock, { force: true });
    fs.writeFileSync(debugLog, '');
    const args = [
      '-accel', 'tcg',
      // Secure Boot: OVMF's SMM build, whose variable store only SMM code may write.
      '-machine', arm64 ? ARCHES.arm64.machine : uefi?.secureBoot ? 'q35,smm=on' : uefi ? 'q35' : 'pc',
      ...(uefi?.secureBoot ? ['-global', 'driver=cfi.pflash01,property=secure,value=on'] : []),
      // x86-64-v2 and RDRAND (the kernel's RNG is ready at once), not TCG's
      // "max": its extra features (5-level paging, AVX) cost emulation time;
      // the CI set took 28 min instead of 46 (test/vm/README.md).
      '-cpu', arm64 ? ARCHES.arm64.cpu : 'qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16,+rdrand',
      '-m', String(memoryMiB),
      '-smp', '1',
      '-nodefaults', '-no-user-config',
      '-display', 'none',
      '-rtc', 'base=utc',
      ...(uefi ? ['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${uefi.code}`, '-drive', `if=pflash,format=raw,unit=1,file=${uefi.vars}`] : []),
      ...(!uefi || arm64 ? ['-kernel', kernel, '-initrd', initrd, '-append', append] : []),
      '-drive', `file=${disk},format=raw,if=virtio,cache=unsafe`,
      ...(sshPort ? ['-nic', `user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:${sshPort}-:22`] : []),
      '-chardev', 'stdio,id=ser0,signal=off',
      '-serial', 'chardev:ser0',
      // No ISA bus on `virt`: AAVMF's line on the serial console tells its runs.
      ...(arm64 ? [] : ['-chardev', `file,id=dbg,path=${debugLog}`, '-device', 'isa-debugcon,iobase=0x402,chardev=dbg']),
      '-monitor', `unix:${monSock},server=on,wait=off`,
    ];
    fs.writeFileSync(path.join(dir, `${name}.qemu-cmdline`), `${qemuBinary} ${args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
    const start = Date.now();
    const now = () => Date.now() - start;
    const events = [];
    const qemu = spawn(qemuBinary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    qemu.stderr.on('data', (d) => (stderr += d));
    signal?.addEventListener('abort', () => qemu.kill('SIGTERM'), { once: true });

    // Watchdog state.
    let pendingAction = null; // time of the last action not yet followed by a boot marker
    let actionFailedAt = null;
    let lastBootProgress = 0; // firmware/kernel/reset seen, boot marker not yet
    let awaitingBoot = true;
    let resets = 0;

    const reset = (why) => {
      events.push({ t: now(), type: 'reset', why });
      serialLog.write(`[host ${(now() / 1000).toFixed(3)}] WATCHDOG system_reset: ${why}\n`);
      onLine?.({ t: now(), text: `(host) watchdog system_reset: ${why}` });
      resets += 1;
      pendingAction = null;
      actionFailedAt = null;
      awaitingBoot = true;
      lastBootProgress = now();
      if (resets > 4) {
        qemu.kill('SIGTERM');
        return;
      }
      const s = net.connect(monSock, () => s.end('system_reset\n'));
      s.on('error', () => qemu.kill('SIGTERM'));
    };

    let buf = '';
    const consoleLines = new ConsoleLines();
    qemu.stdout.on('data', (chunk) => {
      const t = now();
      buf += chunk.toString('latin1');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const raw = buf.slice(0, i).replace(/\r/g, '').replace(/\x1b\[[0-9;?=]*[A-Za-z]/g, '');
        buf = buf.slice(i + 1);
        serialLog.write(`[${(t / 1000).toFixed(3)}] ${raw}\n`);
        for (const text of consoleLines.push(raw)) onConsoleLine(t, text);
      }
    });
    const onConsoleLine = (t, text) => {
      events.push({ t, type: 'line', text });
      if (arm64 ? AAVMF_START.test(text) : uefi && OVMF_BOOT.test(text)) {
        const who = arm64 ? 'AAVMF start' : 'OVMF boot manager';
        events.push({ t, type: 'firmware' });
        serialLog.write(`[host ${(t / 1000).toFixed(3)}] FIRMWARE: ${who} on the serial console\n`);
        onLine?.({ t, text: `(host) firmware run: ${who}` });
        awaitingBoot = true;
        lastBootProgress = t;
      }
      if (/^KRVM action step=/.test(text)) {
        pendingAction = t;
        awaitingBoot = false;
      } else if (/^KRVM action-returned step=\d+ rc=[1-9]/.test(text)) {
        actionFailedAt = t;
      } else if (/^KRVM boot=/.test(text)) {
        pendingAction = null;
        actionFailedAt = null;
        awaitingBoot = false;
      } else if (/Linux version /.test(text)) {
        awaitingBoot = true;
        lastBootProgress = t;
      }
      onLine?.({ t, text });
    };

    // SeaBIOS prints its banner on the debug console on every firmware run.
    let dbgOffset = 0;
    let dbgText = '';
    const pollDebugcon = () => {
      let fd;
      try {
        fd = fs.openSync(debugLog, 'r');
        const size = fs.fstatSync(fd).size;
        if (size > dbgOffset) {
          const b = Buffer.alloc(size - dbgOffset);
          fs.readSync(fd, b, 0, b.length, dbgOffset);
          dbgOffset = size;
          dbgText += b.toString('latin1');
          let last = 0;
          for (const m of dbgText.matchAll(BANNER)) {
            events.push({ t: now(), type: 'firmware' });
            serialLog.write(`[host ${(now() / 1000).toFixed(3)}] FIRMWARE: SeaBIOS banner on debugcon\n`);
            onLine?.({ t: now(), text: '(host) firmware run: SeaBIOS banner' });
            awaitingBoot = true;
            lastBootProgress = now();
            last = m.index + m[0].length;
          }
          // Keep an unfinished banner for the next read.
          dbgText = dbgText.slice(last).slice(-200);
        }
      } catch {
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    };
    const timer = setInterval(() => {
      pollDebugcon();
      const t = now();
      if (t > totalTimeoutMs) {
        events.push({ t, type: 'reset', why: 'total time limit, QEMU killed' });
        qemu.kill('SIGTERM');
      } else if (actionFailedAt !== null && t - actionFailedAt > 20_000) {
        reset('the step command failed and nothing happened for 20 s');
      } else if (pendingAction !== null && t - pendingAction > actionTimeoutMs) {
        reset(`no new boot ${actionTimeoutMs / 1000} s after the action`);
      } else if (awaitingBoot && pendingAction === null && t - lastBootProgress > bootTimeoutMs) {
        reset(`boot did not reach the test agent in ${bootTimeoutMs / 1000} s`);
      }
    }, 100);

    qemu.on('close', (code) => {
      clearInterval(timer);
      pollDebugcon();
      for (const text of [...consoleLines.push(buf), ...consoleLines.flush()]) if (text) events.push({ t: now(), type: 'line', text });
      events.push({ t: now(), type: 'exit', code });
      serialLog.write(`[host ${(now() / 1000).toFixed(3)}] QEMU exited ${code}\n${stderr}`);
      serialLog.end();
      resolve({ events, exitCode: code, stderr });
    });
  });
}
