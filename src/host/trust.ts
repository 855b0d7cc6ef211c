import type fs from 'node:fs';

/**
 * Whoever can write the configuration, the kernel or the initrd chooses what
 * the machine boots next, so, as sudo and sshd do with their files, those
 * must belong to the user running the tool (root on a real system) and be
 * closed to writes by anyone else.
 */
export function untrustedBecause(stat: fs.Stats, systemPath: string, ownerUid = process.getuid?.() ?? 0): string | undefined {
  const owner = ownerUid === 0 ? 'root' : `uid ${ownerUid}`;
  if (stat.uid !== ownerUid) {
    const chown = ownerUid === 0 ? 'chown root:root' : `chown ${ownerUid}`;
    return `${systemPath} is owned by uid ${stat.uid}, not ${owner}, who alone may choose the next kernel (fix: ${chown} ${systemPath})`;
  }
  if ((stat.mode & 0o022) !== 0) {
    const who = (stat.mode & 0o002) !== 0 ? 'everyone' : 'its group';
    return `${systemPath} is writable by ${who}, who could then choose the next kernel (fix: chmod go-w ${systemPath})`;
  }
  return undefined;
}
