/**
 * What a GRUB menu entry loads, read from its body (pure): the `linux` /
 * `linux16` / `linuxefi` and `initrd` / `initrd16` / `initrdefi` commands, and
 * the filesystem GRUB's `root` is set to by `search --fs-uuid --set=root`.
 * Paths stay GRUB paths here (relative to GRUB's root filesystem); grub.ts
 * maps them onto system paths.
 */
import { isUnusable, type Unusable } from '../../unusable.js';
import { evaluateEntryBody, type CommandEvent, type GrubHost, type MenuContext, type MenuItem } from './grub-menu.js';
import { expandWord } from './grub-variables.js';
import { literalText, type Word } from './grub-script.js';

const LINUX_COMMANDS = new Set(['linux', 'linux16', 'linuxefi']);
const INITRD_COMMANDS = new Set(['initrd', 'initrd16', 'initrdefi']);
const OTHER_LOADERS = new Set([
  'chainloader',
  'multiboot',
  'multiboot2',
  'kfreebsd',
  'knetbsd',
  'kopenbsd',
  'xnu_kernel',
  'xnu_kernel64',
  'appleloader',
  'legacy_kernel',
  'ntldr',
  'freedos',
  'truecrypt',
  'plan9',
  'fwsetup',
  'linux32',
]);

export interface GrubEntryFiles {
  /** GRUB path of the kernel (device prefix `($root)` removed). */
  readonly kernel: string;
  readonly initrds: readonly string[];
  readonly cmdline: string;
  /** The fs UUID GRUB searches for to set `root`, when the entry says so. */
  readonly rootUuid: string | undefined;
}

export type EntryFilesReading = { readonly files: GrubEntryFiles } | Unusable;

/** Expands a path word; `($root)` / `(${root})` in front is GRUB's root, which is what a bare path means too. */
function expandPath(word: Word, event: CommandEvent): { readonly path: string } | Unusable {
  let parts = word.parts;
  const first = parts[0];
  const second = parts[1];
  const third = parts[2];
  if (first?.kind === 'lit' && first.text === '(' && second?.kind === 'var' && second.name === 'root' && third?.kind === 'lit' && third.text.startsWith(')')) {
    parts = [{ kind: 'lit', text: third.text.slice(1) }, ...parts.slice(3)];
  }
  const e = expandWord({ ...word, parts }, event.env, event.params);
  const raw = event.source.slice(word.start, word.end);
  if (isUnusable(e)) return { unusable: `\`${raw}\` on line ${event.line} cannot be evaluated: ${e.unusable}` };
  if (e.fields.length !== 1) return { unusable: `\`${raw}\` on line ${event.line} is not one path` };
  const path = e.fields[0]!;
  if (path.startsWith('(')) return { unusable: `\`${raw}\` on line ${event.line} names a GRUB device, which cannot be mapped to a mounted filesystem` };
  if (!path.startsWith('/')) return { unusable: `\`${raw}\` on line ${event.line} is not an absolute path` };
  return { path };
}

/** The kernel arguments as written, with variables replaced by their values. */
function rawArguments(words: readonly Word[], event: CommandEvent): { readonly text: string } | Unusable {
  const first = words[0];
  const last = words[words.length - 1];
  if (!first || !last) return { text: '' };
  let text = '';
  let at = first.start;
  for (const word of words) {
    for (const part of word.parts) {
      if (part.kind !== 'var') continue;
      const e = expandWord({ parts: [{ ...part, quoted: true }], start: part.start, end: part.end, quoted: true }, event.env, event.params);
      if (isUnusable(e)) return { unusable: `the kernel arguments on line ${event.line} use \`${event.source.slice(part.start, part.end)}\`: ${e.unusable}` };
      text += event.source.slice(at, part.start) + (e.fields[0] ?? '');
      at = part.end;
    }
  }
  text += event.source.slice(at, last.end);
  return { text };
}

/**
 * The UUID a `search` command sets `root` to; undefined when it sets something
 * else or searches by label or file.
 */
function searchRootUuid(event: CommandEvent): string | undefined | Unusable {
  const args: string[] = [];
  for (const w of event.argv.slice(1)) {
    const e = expandWord(w, event.env, event.params);
    if (isUnusable(e)) return { unusable: `the search on line ${event.line} cannot be evaluated` };
    args.push(...e.fields);
  }
  if (event.name === 'search.fs_uuid') {
    const target = args[1] ?? 'root';
    return target === 'root' ? args[0] : undefined;
  }
  let byUuid = false;
  let target: string | undefined;
  const keys: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--fs-uuid' || a === '-u') byUuid = true;
    else if (a === '--set' || a === '-s') target = 'root';
    else if (a.startsWith('--set=')) target = a.slice('--set='.length);
    else if (a.startsWith('-')) continue; // --no-floppy, --hint*=...
    else keys.push(a);
  }
  if (!byUuid || target !== 'root') return undefined;
  return keys[keys.length - 1];
}

/** Runs the entry body and reads what it loads. */
export function readEntryFiles(menu: MenuContext, item: MenuItem, host: GrubHost): EntryFilesReading {
  let linux: CommandEvent | undefined;
  const initrds: CommandEvent[] = [];
  const rootUuids = new Set<string>();
  let otherLoader: string | undefined;
  let unusable: Unusable | undefined;
  for (const event of evaluateEntryBody(menu, item, host)) {
    if (LINUX_COMMANDS.has(event.name)) {
      linux = event;
      initrds.length = 0; // GRUB: a new kernel unloads the initrd
    } else if (INITRD_COMMANDS.has(event.name)) {
      initrds.push(event);
    } else if (event.name === 'search' || event.name === 'search.fs_uuid') {
      const uuid = searchRootUuid(event);
      if (typeof uuid === 'string') rootUuids.add(uuid.toLowerCase());
      else if (uuid !== undefined) unusable ??= uuid;
    } else if (OTHER_LOADERS.has(event.name)) {
      otherLoader ??= `${event.name} (line ${event.line})`;
    }
  }
  if (!linux) {
    return { unusable: otherLoader ? `the entry boots with ${otherLoader}, not a Linux kernel` : 'the entry has no linux command' };
  }
  if (linux.uncertain) return { unusable: `its \`${linux.name}\` on line ${linux.line} is ${linux.uncertain}` };
  if (unusable) return unusable;
  const kernelWord = linux.argv[1];
  if (!kernelWord) return { unusable: `\`${linux.name}\` on line ${linux.line} has no kernel` };
  const kernel = expandPath(kernelWord, linux);
  if (isUnusable(kernel)) return kernel;
  const args = rawArguments(linux.argv.slice(2), linux);
  if (isUnusable(args)) return args;
  const initrdPaths: string[] = [];
  for (const event of initrds) {
    if (event.uncertain) return { unusable: `its \`${event.name}\` on line ${event.line} is ${event.uncertain}` };
    initrdPaths.length = 0; // the last initrd command is the one in effect
    for (const w of event.argv.slice(1)) {
      const lit = literalText(w);
      if (lit?.startsWith('--')) return { unusable: `\`${event.name} ${lit}\` on line ${event.line} is not supported` };
      const p = expandPath(w, event);
      if (isUnusable(p)) return p;
      initrdPaths.push(p.path);
    }
  }
  return {
    files: {
      kernel: kernel.path,
      initrds: initrdPaths,
      cmdline: args.text,
      rootUuid: rootUuids.size === 1 ? [...rootUuids][0] : undefined,
    },
  };
}
