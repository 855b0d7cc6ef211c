/**
 * One line per decision. Under systemd (JOURNAL_STREAM is set for a unit's
 * stderr) a "<N>" prefix gives the journal the syslog priority; elsewhere the
 * line goes to the console with the program's name, as init scripts print.
 */
export type Priority = 'err' | 'warning' | 'notice' | 'info' | 'debug';

const SYSLOG_LEVEL: Record<Priority, number> = { err: 3, warning: 4, notice: 5, info: 6, debug: 7 };

export type Log = (priority: Priority, message: string) => void;

export function createLog(
  write: (line: string) => void = (line) => process.stderr.write(line),
  toJournal = Boolean(process.env.JOURNAL_STREAM),
): Log {
  return (priority, message) => {
    const line = toJournal ? `<${SYSLOG_LEVEL[priority]}>${message}` : `kexec-reboot: ${message}`;
    write(line.replace(/\n/g, ' ') + '\n');
  };
}
