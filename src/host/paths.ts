/** System paths the tool reads and writes, always through SystemRoot.path(). */
export const KEXEC_LOADED = '/sys/kernel/kexec_loaded';
export const LOCKDOWN = '/sys/kernel/security/lockdown';
export const STATE_DIR = '/run/kexec-reboot';
/**
 * kexec-tools' way to ask for a firmware restart: its coldreboot, and people
 * and scripts that knew it, create this file; its init script removed it at
 * the reboot that honoured it. On the root filesystem, so it outlives a boot.
 */
export const KEXEC_TOOLS_COLD_FLAG = '/no-kexec-reboot';
/** Written for a load, removed after it: the initrds made one, and a unified kernel image's kernel (act/file-parts.ts). */
export const COMBINED_INITRD = `${STATE_DIR}/initrd.img`;
export const UNIFIED_KERNEL = `${STATE_DIR}/vmlinuz`;
export const SYSTEMD_RUNNING = '/run/systemd/system';
/**
 * Written by the shutdown hook when a kernel it could not verify stays
 * loaded, with the reason: the final kexec -e (init/system-shutdown) then
 * starts nothing, as for /no-kexec-reboot.
 */
export const NO_KEXEC_MARKER = `${STATE_DIR}/no-kexec`;
/** Held while a process reads, changes and writes the reboot history: one writer at a time. */
export const HISTORY_LOCK = `${STATE_DIR}/history.lock`;
/** What kexec-reboot loaded, so a kernel loaded ahead of time can be checked against the plan. */
export const LOAD_RECORD = `${STATE_DIR}/loaded.json`;
/** Kept across boots: the last reboots, with how each ended (reboot-history.ts). */
export const HISTORY_FILE = '/var/lib/kexec-reboot/history.json';
/** One file a boot, named by its boot id, made early in that boot by mark-boot (boot-marks.ts). */
export const BOOT_MARKS_DIR = '/var/lib/kexec-reboot/boots';
/** The x86 boot protocol's parameters as this kernel was handed them; type_of_loader says who started it. */
export const BOOT_PARAMS = '/sys/kernel/boot_params/data';
export const BOOT_ID = '/proc/sys/kernel/random/boot_id';
/** The running kernel's command line: the configuration may reuse it; our kexec's marker is in it (kernel-cmdline.ts). */
export const PROC_CMDLINE = '/proc/cmdline';
export const UPTIME = '/proc/uptime';
/** The kernel's log, record by record (kernel-log.ts). */
export const KERNEL_LOG = '/dev/kmsg';
/** The running kernel's machine, as uname -m prints it (Linux 6.0 on). */
export const KERNEL_MACHINE = '/proc/sys/kernel/arch';
/** The running kernel's release, as uname -r prints it. */
export const KERNEL_RELEASE = '/proc/sys/kernel/osrelease';
/** Debian's prometheus-node-exporter reads *.prom files here (its --collector.textfile.directory). */
export const NODE_EXPORTER_TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';
