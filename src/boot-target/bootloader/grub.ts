/**
 * findGrubEntry: the entry GRUB would boot next on this system, from
 * /boot/grub/grub.cfg (or /boot/grub2/grub.cfg) and the grubenv next to it.
 *
 * The default is resolved as GRUB does it (see grub-menu.ts and
 * grub-default.ts): Debian's header sets `default` from grubenv's one-shot
 * `next_entry` (grub-reboot) when it is set, else from GRUB_DEFAULT, which for
 * GRUB_DEFAULT=saved is `${saved_entry}` (grub-set-default). Nothing is
 * written: `next_entry` is left for GRUB to clear; the result says
 * `viaNextEntry` so that the caller can decide.
 *
 * GRUB paths are relative to the filesystem GRUB's `root` is on. Rule for
 * mapping them to system paths:
 *  1. when the entry sets root with `search --fs-uuid --set=root UUID` and
 *     /etc/fstab mounts `UUID=UUID` somewhere, the path is under that mount
 *     point (so with a separate /boot, `/vmlinuz-6.1.0-9-amd64` is
 *     /boot/vmlinuz-6.1.0-9-amd64);
 *  2. otherwise the kernel is looked for at the path itself (root and /boot on
 *     one filesystem: `/boot/vmlinuz-...`) and then under /boot (a separate
 *     /boot: `/vmlinuz-...`); the first that exists decides for the initrds
 *     too.
 * The kernel and every initrd must exist, else the entry is unusable.
 *
 * grub.cfg, what it sources and grubenv choose the kernel and its command
 * line, so they are read only when they pass the trust rule (host/trust.ts).
 */
import { posix } from 'node:path';
import type { SystemRoot } from '../../host/system-root.js';
import { isRegularFile, MAX_BYTES, notRegularFile, readTrustedTextFile, statPath, whyUnread } from '../../host/read-file.js';
import { isUnusable, type Unusable } from '../../unusable.js';
import { resolveGrubDefault } from './grub-default.js';
import { evaluateMenu, type GrubHost } from './grub-menu.js';
import { readEntryFiles, type GrubEntryFiles } from './grub-entry.js';
import { readGrubenv } from './grubenv.js';
import { GrubScriptError, parseGrubScript, type Script } from './grub-script.js';
import { mountPointOfUuid, readFstab } from './fstab.js';
import type { BootEntry, EntryLookup } from './types.js';

const GRUB_CFG_PATHS = ['/boot/grub/grub.cfg', '/boot/grub2/grub.cfg'];

function isUnder(dir: string, p: string): boolean {
  const rel = posix.relative(dir, posix.normalize(p));
  return rel !== '' && !rel.startsWith('..') && !posix.isAbsolute(rel);
}

function parseFile(root: SystemRoot, systemPath: string): Script | Unusable {
  const read = readTrustedTextFile(root, systemPath, MAX_BYTES.grubScript);
  if (read.kind !== 'text') return { unusable: whyUnread(systemPath, read) };
  try {
    return parseGrubScript(read.text);
  } catch (err) {
    if (err instanceof GrubScriptError) return { unusable: `${systemPath}: ${err.message}` };
    throw err;
  }
}

/** The outside world for evaluation: files in the folder grub.cfg is in. */
function grubHost(root: SystemRoot, grubDir: string): GrubHost {
  return {
    grubDir,
    fileTest(op, p) {
      if (!isUnder(grubDir, p)) return { unusable: `${p}, which can only be checked by GRUB` };
      const systemPath = posix.normalize(p);
      const found = statPath(root, systemPath);
      if (found.kind === 'missing') return false;
      if (found.kind !== 'stats') return { unusable: whyUnread(systemPath, found) };
      const st = found.stats;
      // GRUB would answer for a FIFO or a device too, but grub-mkconfig puts none beside grub.cfg: guessing is not safe.
      if (!st.isFile() && !st.isDirectory()) return { unusable: whyUnread(systemPath, notRegularFile(st)) };
      if (op === '-d') return st.isDirectory();
      if (op === '-f') return st.isFile();
      if (op === '-s') return st.size > 0;
      return true;
    },
    loadEnv(p) {
      if (!isUnder(grubDir, p)) return { unusable: `${p} is not next to grub.cfg` };
      const env = readGrubenv(root, posix.normalize(p));
      if (isUnusable(env)) return env;
      // GRUB loads nothing from a missing or broken block and goes on.
      return env.state === 'read' ? env.vars : new Map();
    },
    readScript(p) {
      if (!isUnder(grubDir, p)) return { unusable: `${p} is not next to grub.cfg` };
      return parseFile(root, posix.normalize(p));
    },
  };
}

/** Maps the entry's GRUB paths to system paths (rule in the header comment). */
function mapEntryFiles(root: SystemRoot, files: GrubEntryFiles): { readonly kernel: string; readonly initrds: readonly string[] } | Unusable {
  const norm = (p: string) => posix.normalize(p);
  let base: string | undefined;
  let why = '';
  if (files.rootUuid !== undefined) {
    const fstab = readFstab(root);
    if (isUnusable(fstab)) return fstab;
    const mount = mountPointOfUuid(fstab.mounts, files.rootUuid);
    if (mount !== undefined) {
      base = mount;
      why = ` (filesystem UUID ${files.rootUuid} is mounted on ${mount} by /etc/fstab)`;
    }
  }
  if (base === undefined) {
    const kernel = norm(files.kernel);
    const candidates = ['/', '/boot'];
    base = candidates.find((b) => isRegularFile(root, norm(posix.join(b, kernel))));
    if (base === undefined) return { unusable: `kernel ${files.kernel} not found at ${kernel} nor at ${norm(posix.join('/boot', kernel))}` };
  }
  const map = (p: string) => norm(posix.join(base!, p));
  const kernel = map(files.kernel);
  if (!isRegularFile(root, kernel)) return { unusable: `kernel ${kernel} not found${why}` };
  const initrds = files.initrds.map(map);
  for (const i of initrds) if (!isRegularFile(root, i)) return { unusable: `initrd ${i} not found${why}` };
  return { kernel, initrds };
}

/** GRUB's entry, or undefined when there is no GRUB configuration at all. */
export function findGrubEntry(root: SystemRoot): EntryLookup | undefined {
  // A dangling link or a FIFO is not "no GRUB": reading it says what is wrong with it.
  const cfg = GRUB_CFG_PATHS.find((p) => statPath(root, p).kind !== 'missing');
  if (cfg === undefined) return undefined;
  const script = parseFile(root, cfg);
  if (isUnusable(script)) return script;
  const host = grubHost(root, posix.dirname(cfg));
  const top = evaluateMenu(script, host);
  const resolved = resolveGrubDefault(top, host);
  if (isUnusable(resolved)) return { unusable: `${cfg}: ${resolved.unusable}` };
  const { item, menu, titles, how, viaNextEntry } = resolved;
  const name = `${cfg} entry ${JSON.stringify(titles.join('>'))}${item.id !== undefined && item.id !== item.title ? ` (id ${item.id})` : ''}`;
  const files = readEntryFiles(menu, item, host);
  if (isUnusable(files)) return { unusable: `${name} (line ${item.line}) ${how}: ${files.unusable}` };
  const mapped = mapEntryFiles(root, files.files);
  if (isUnusable(mapped)) return { unusable: `${name} ${how}: ${mapped.unusable}` };
  const entry: BootEntry = {
    kernel: mapped.kernel,
    initrds: mapped.initrds,
    cmdline: files.files.cmdline,
    origin: `${name} ${how}`,
    ...(viaNextEntry ? { viaNextEntry, grubenv: posix.join(posix.dirname(cfg), 'grubenv') } : {}),
  };
  return { found: entry };
}
