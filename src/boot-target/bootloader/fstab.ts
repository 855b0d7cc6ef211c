/** /etc/fstab, as far as mapping a filesystem UUID to its mount point goes. */
import type { SystemRoot } from '../../host/system-root.js';
import { MAX_BYTES, readTextFile, whyUnread } from '../../host/read-file.js';
import type { Unusable } from '../../unusable.js';

export interface FstabMount {
  readonly spec: string;
  readonly mountPoint: string;
}

/** fstab(5) field decoding: \040 and friends are octal escapes. */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseFstab(text: string): readonly FstabMount[] {
  const mounts: FstabMount[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    if (fields.length < 2) continue;
    mounts.push({ spec: unescapeField(fields[0]!), mountPoint: unescapeField(fields[1]!) });
  }
  return mounts;
}

/** The mount point fstab gives the filesystem with this UUID (`UUID=...`), or undefined. */
export function mountPointOfUuid(mounts: readonly FstabMount[], uuid: string): string | undefined {
  const want = uuid.toLowerCase();
  for (const m of mounts) {
    const spec = m.spec.replace(/^"(.*)"$/, '$1');
    if (spec.toUpperCase().startsWith('UUID=') && spec.slice(5).toLowerCase() === want) return m.mountPoint;
  }
  return undefined;
}

/** No /etc/fstab mounts nothing (a container); one that cannot be read leaves the mounts unknown. */
export function readFstab(root: SystemRoot): { readonly mounts: readonly FstabMount[] } | Unusable {
  const read = readTextFile(root, '/etc/fstab', MAX_BYTES.fstab);
  if (read.kind === 'text') return { mounts: parseFstab(read.text) };
  return read.kind === 'missing' ? { mounts: [] } : { unusable: whyUnread('/etc/fstab', read) };
}
