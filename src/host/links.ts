import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import type { Unusable } from '../unusable.js';
import type { SystemRoot } from './system-root.js';

/** As the kernel's own limit on nested symlinks (MAXSYMLINKS). */
const MAX_LINKS = 40;

/** Where the links lead; when they lead nowhere, the path as far as it was followed, and why it ends there. */
export type LinkResolution = { readonly path: string } | (Unusable & { readonly path: string });

/**
 * Follows symlinks the way the system inside `root` would see them, so an
 * absolute link such as /vmlinuz -> /boot/vmlinuz-6.1 stays inside the root
 * tree instead of escaping to the host's /boot. Returns a system path.
 */
export function resolveLinks(root: SystemRoot, systemPath: string): LinkResolution {
  let parts = posix.normalize(systemPath).split('/').filter(Boolean);
  let resolved: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = '/' + [...resolved, part].join('/');
    let stat: Stats;
    try {
      stat = lstatSync(root.path(candidate));
    } catch {
      return { path: '/' + [...resolved, part, ...parts].join('/'), unusable: `${candidate} does not exist` };
    }
    if (!stat.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++hops > MAX_LINKS) return { path: systemPath, unusable: `too many levels of symbolic links at ${candidate}` };
    const target = readlinkSync(root.path(candidate));
    if (target.startsWith('/')) resolved = [];
    parts = [...target.split('/').filter((p) => p && p !== '.'), ...parts];
  }
  return { path: '/' + resolved.join('/') };
}
