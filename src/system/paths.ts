/** System paths the tool reads and writes, always through SystemRoot.path(). */
export const KEXEC_LOADED = '/sys/kernel/kexec_loaded';
export const LOCKDOWN = '/sys/kernel/security/lockdown';
export const STATE_DIR = '/run/kexec-reboot';
/** Set by coldreboot; /run is a tmpfs, so the flag cannot outlive the boot that set it. */
export const COLD_FLAG = `${STATE_DIR}/coldreboot`;
export const COMBINED_INITRD = `${STATE_DIR}/initrd.img`;
export const SYSTEMD_RUNNING = '/run/systemd/system';
/** What kexec-reboot loaded, so a kernel loaded ahead of time can be checked against the plan. */
export const LOAD_RECORD = `${STATE_DIR}/loaded.json`;
