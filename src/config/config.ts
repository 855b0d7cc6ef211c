/**
 * The effective configuration of /etc/default/kexec and its kexec.d snippets.
 * Every value says where it came from, so `status` and `config` can explain it.
 */

/** "FILE:LINE" for a value set in a file, "default" for a built-in default. */
export type Origin = string;

export interface Sourced<T> {
  readonly value: T;
  readonly origin: Origin;
}

export interface KexecConfig {
  /** LOAD_KEXEC (or legacy USE_KEXEC); absent means true. */
  readonly loadKexec: Sourced<boolean>;
  /** KERNEL_IMAGE, default /vmlinuz. */
  readonly kernelImage: Sourced<string>;
  /** INITRD, default /initrd.img; '' means boot without an initrd. */
  readonly initrd: Sourced<string>;
  /** APPEND; '' means the running kernel's /proc/cmdline. */
  readonly append: Sourced<string>;
  /** USE_GRUB_CONFIG, default false. */
  readonly useGrubConfig: Sourced<boolean>;
  /** PRELOAD, default false: load the kernel after boot and whenever its inputs change, not during shutdown. */
  readonly preload: Sourced<boolean>;
}

/** What applies when a key is not set: installing the package is asking for kexec reboots. */
export const DEFAULT_CONFIG: KexecConfig = {
  loadKexec: { value: true, origin: 'default' },
  kernelImage: { value: '/vmlinuz', origin: 'default' },
  initrd: { value: '/initrd.img', origin: 'default' },
  append: { value: '', origin: 'default' },
  useGrubConfig: { value: false, origin: 'default' },
  preload: { value: false, origin: 'default' },
};

/** A problem found in a configuration file, printed as `file:line: message`. */
export interface ConfigDiagnostic {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export interface ConfigReading {
  /** Defaults filled in for whatever could not be read. */
  readonly config: KexecConfig;
  /** Files read, in order. */
  readonly files: readonly string[];
  /** Any error makes the configuration unusable: the planner then chooses a cold reboot. */
  readonly errors: readonly ConfigDiagnostic[];
  readonly warnings: readonly ConfigDiagnostic[];
}

export function formatDiagnostic(d: ConfigDiagnostic): string {
  return d.line === undefined ? `${d.file}: ${d.message}` : `${d.file}:${d.line}: ${d.message}`;
}
