/**
 * Kernel command lines, as the kernel splits them: words separated by spaces,
 * with double quotes grouping a value that holds spaces (`opt="a b"`), and
 * what follows a lone `--` handed to init, not read by the kernel. And the
 * one parameter kexec-reboot adds to every command line it loads with.
 */

export function splitCmdline(cmdline: string): string[] {
  const words: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of cmdline) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && /\s/.test(ch)) {
      if (current) words.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) words.push(current);
  return words;
}

export function parameterName(word: string): string {
  const eq = word.indexOf('=');
  return eq === -1 ? word : word.slice(0, eq);
}

/** Where init's arguments begin: the kernel reads no parameter after a lone `--`. */
const INIT_ARGUMENTS = '--';

/** The words the kernel reads as its parameters, and init's arguments (from a lone `--` on). */
function splitAtInitArguments(words: readonly string[]): { readonly kernel: readonly string[]; readonly init: readonly string[] } {
  const at = words.indexOf(INIT_ARGUMENTS);
  return at === -1 ? { kernel: words, init: [] } : { kernel: words.slice(0, at), init: words.slice(at) };
}

/**
 * How a boot tells that kexec-reboot's kexec started it, on every
 * architecture: the command line it loads with carries
 * kexec_reboot.from=<boot id of the boot that loaded it>. x86 has the boot
 * protocol's type_of_loader besides (this-boot.ts); arm64 has nothing else
 * that outlives the hand-over (no boot_params; under ACPI no device tree).
 * The dot makes it a module parameter to the kernel: kept in /proc/cmdline,
 * no "Unknown kernel command line parameters" warning, not passed to init
 * (seen on Debian 13 arm64). The value names the record, so a marker that
 * outlived its boot (a command line reused by hand) is not taken for ours.
 */
const ARRIVAL_MARKER = 'kexec_reboot.from';

export const isArrivalMarker = (word: string) => parameterName(word) === ARRIVAL_MARKER;

/**
 * The command line to load with: without any marker an earlier kexec left in
 * it (APPEND="$(cat /proc/cmdline)" brings the running one's), then this
 * boot's, before init's arguments if there are any.
 */
export function withArrivalMarker(cmdline: string, bootId: string): string {
  const { kernel, init } = splitAtInitArguments(splitCmdline(cmdline).filter((word) => !isArrivalMarker(word)));
  return [...kernel, `${ARRIVAL_MARKER}=${bootId}`, ...init].join(' ');
}

/** The boot id the running kernel's marker names (the last, as the kernel takes the last); undefined without one. */
export function arrivalMarkerIn(procCmdline: string): string | undefined {
  const marker = splitAtInitArguments(splitCmdline(procCmdline)).kernel.filter(isArrivalMarker).at(-1);
  return marker?.slice(ARRIVAL_MARKER.length + 1) || undefined;
}
