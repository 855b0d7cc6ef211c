/**
 * Kernel command lines, as the kernel splits them: words separated by spaces,
 * with double quotes grouping a value that holds spaces (`opt="a b"`).
 */

/**
 * Parameters the bootloader adds for the kernel it started. Passing them on
 * would describe the wrong image, so a command line taken from the running
 * kernel drops them (kexec's own --reuse-cmdline drops BOOT_IMAGE= likewise).
 */
const NOT_INHERITED = ['BOOT_IMAGE', 'initrd'];

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

function parameterName(word: string): string {
  const eq = word.indexOf('=');
  return eq === -1 ? word : word.slice(0, eq);
}

/** The running kernel's command line, minus what must not be inherited; order and quoting kept. */
export function inheritableCmdline(procCmdline: string): string {
  return splitCmdline(procCmdline)
    .filter((word) => !NOT_INHERITED.includes(parameterName(word)))
    .join(' ');
}
