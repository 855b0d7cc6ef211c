import { coldReboot } from '../act/coldreboot.js';
import { createLog } from '../log.js';
import { systemRoot } from '../system-root.js';
import { programsFromEnvironment } from '../system/programs.js';
import { VERSION } from './version.js';

const USAGE = `Usage: coldreboot [--root DIR] [REBOOT OPTIONS...]

Reboot through the firmware (BIOS/UEFI), not kexec, even if a kernel was
loaded by hand. REBOOT OPTIONS are passed to reboot(8).
`;

/**
 * Everything but our own few options goes to reboot(8) untouched, as Debian's
 * coldreboot did with "$@".
 */
function parseArguments(argv: readonly string[]): { root: string; rebootArgs: string[] } | 'help' | 'version' {
  const rebootArgs: string[] = [];
  let root = '/';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help') return 'help';
    if (arg === '--version') return 'version';
    if (arg === '--root' && i + 1 < argv.length) root = argv[++i]!;
    else if (arg.startsWith('--root=')) root = arg.slice('--root='.length);
    else rebootArgs.push(arg);
  }
  return { root, rebootArgs };
}

async function main(argv: readonly string[]): Promise<void> {
  const parsed = parseArguments(argv);
  if (parsed === 'help') process.stdout.write(USAGE);
  else if (parsed === 'version') process.stdout.write(`${VERSION}\n`);
  else process.exitCode = await coldReboot(systemRoot(parsed.root), programsFromEnvironment(), parsed.rebootArgs, createLog());
}

void main(process.argv.slice(2));
