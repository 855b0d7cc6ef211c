import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { SystemRoot } from './system-root.js';
import { KERNEL_LOG } from './paths.js';

/** /dev/kmsg is character device 1:11; under --root (the tests) a regular file of records. */
const KMSG_DEVICE = { major: 1, minor: 11 };
/** The kernel says it before it runs init, a few hundred records into a boot; a log read this far without it has lost it. */
const MAX_RECORDS = 20_000;
/** One record; the kernel truncates longer ones to its own limit (1 KiB of text, plus the dictionary). */
const RECORD_BYTES = 8 * 1024;

/** "Run /init as init process" (init/main.c, run_init_process): when the kernel handed over to userspace. */
const RUN_INIT = /^\d+,\d+,(\d+),[^;]*;Run \S+ as init process$/;

const isKmsg = (device: { isCharacterDevice(): boolean; isFile(): boolean; rdev: number }) =>
  device.isFile() || (device.isCharacterDevice() && device.rdev >> 8 === KMSG_DEVICE.major && (device.rdev & 0xff) === KMSG_DEVICE.minor);

/**
 * When the running kernel started init (the initramfs's /init, else
 * /sbin/init), in seconds after boot, by its own log. Not PID 1's start time
 * in /proc/1/stat: the kernel creates PID 1 early and runs its drivers'
 * set-up in it before the exec (0.57 s by the stat, 4.0 s by the log, in one
 * Debian 13 VM boot). Undefined when the log cannot be read or no longer
 * holds the record (the ring buffer wrapped).
 */
export function readInitStartSeconds(root: SystemRoot): number | undefined {
  let fd: number;
  try {
    // Non-blocking: at the end of the log, /dev/kmsg says EAGAIN instead of waiting for more.
    fd = openSync(root.path(KERNEL_LOG), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!isKmsg(fstatSync(fd))) return undefined;
    const buffer = Buffer.alloc(RECORD_BYTES);
    let pending = '';
    for (let reads = 0; reads < MAX_RECORDS; reads++) {
      let length: number;
      try {
        length = readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        // EPIPE: records overwritten under the reader; the next read goes on from the oldest kept.
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') continue;
        return undefined;
      }
      if (length === 0) return undefined;
      // One record a read from the device; many from a file.
      const lines = (pending + buffer.toString('utf8', 0, length)).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const run = RUN_INIT.exec(line);
        if (run) return Number(run[1]) / 1e6;
      }
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}
