import type { Unusable } from '../../unusable.js';

/** What the bootloader would boot next, in system paths. */
export interface BootEntry {
  /** Absolute system path, e.g. /boot/vmlinuz-6.1.0-9-amd64. */
  readonly kernel: string;
  /** Absolute system paths, in the order the bootloader loads them (microcode first). */
  readonly initrds: readonly string[];
  /** The entry's kernel arguments, verbatim (quoting kept). */
  readonly cmdline: string;
  /** Human description of where the entry came from, for `status`. */
  readonly origin: string;
  /**
   * GRUB: chosen through grubenv's one-shot `next_entry` (grub-reboot). GRUB's
   * own header clears it when GRUB runs; a kexec skips GRUB, so it stays set
   * and would apply again at the next firmware boot. The caller decides
   * whether to clear it (`grub-editenv - unset next_entry`) once the kexec
   * load succeeded.
   */
  readonly viaNextEntry?: boolean;
  /** With viaNextEntry: the grubenv that holds next_entry. */
  readonly grubenv?: string;
  /**
   * systemd-boot: chosen through the LoaderEntryOneShot EFI variable
   * (`bootctl set-oneshot`, `systemctl reboot --boot-loader-entry=`), which
   * systemd-boot removes when it runs; same caveat as viaNextEntry.
   */
  readonly viaOneShot?: boolean;
}

export type EntryLookup = { readonly found: BootEntry } | Unusable;
