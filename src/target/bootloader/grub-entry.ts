/**
 * What a GRUB menu entry loads, read from its body (pure): the `linux` /
 * `linux16` / `linuxefi` and `initrd` / `initrd16` / `initrdefi` commands, and
 * the filesystem GRUB's `root` is set to by `search --fs-uuid --set=root`.
 * Paths stay GRUB paths here (relative to GRUB's root filesystem); grub.ts
 * maps them onto system paths.
 */
import { isUnusable } from '../../unusable.js';
import { evaluateEntryBody, type CommandEvent, type GrubHost, type MenuContext, type MenuItem } from './grub-menu.js';
import { expandWord } from './grub-variables.js';
import { literalText, type Word } from './grub-script.js';

export const LINUX_COMMANDS = new Set(['linux', 'linux16', 'linuxefi']);
export const INITRD_COMMANDS = new Set(['initrd', 'initrd16', 'initrdefi']);
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
  kernel: string;
  initrds: string[];
  cmdline: string;
  /** The fs UUID GRUB searches for to set `root`, when the entry says so. */
  rootUuid: string | null;
}

export type EntryFilesReading = { files: GrubEntryFiles } | { unusable: string };

/** Expands a path word; `($root)` / `(${root})` in front is GRUB's root, which is what a bare path means too. */
function expandPath(word: Word, event: CommandEvent): { path: string } | { unusable: string } {
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
function rawArguments(words: Word[], event: CommandEvent): { text: string } | { unusable: string } {
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

interface SearchHint {
  uuid: string;
  line: number;
}

/** The UUID a `search` command sets `root` to, if it does. */
function searchRootUuid(event: CommandEvent): string | null | undefined {
  const args: string[] = [];
  for (const w of event.argv.slice(1)) {
    const e = expandWord(w, event.env, event.params);
    if (isUnusable(e)) return undefined;
    args.push(...e.fields);
  }
  if (event.name === 'search.fs_uuid') {
    const target = args[1] ?? 'root';
    return target === 'root' ? (args[0] ?? null) : null;
  }
  let byUuid = false;
  let target: string | null = null;
  const keys: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--fs-uuid' || a === '-u') byUuid = true;
    else if (a === '--set' || a === '-s') target = 'root';
    else if (a.startsWith('--set=')) target = a.slice('--set='.length);
    else if (a.startsWith('-')) continue; // --no-floppy, --hint*=...
    else keys.push(a);
  }
  if (!byUuid || target !== 'root') return null;
  return keys[keys.length - 1] ?? null;
}

/** Runs the entry body and reads what it loads. */
export function readEntryFiles(menu: MenuContext, item: MenuItem, host: GrubHost): EntryFilesReading {
  let linux: { event: CommandEvent } | null = null;
  const initrds: CommandEvent[] = [];
  const hints: SearchHint[] = [];
  let otherLoader: string | null = null;
  let unusable: string | null = null;
  evaluateEntryBody(menu, item, host, (event) => {
    if (LINUX_COMMANDS.has(event.name)) {
      linux = { event };
      initrds.length = 0; // GRUB: a new kernel unloads the initrd
    } else if (INITRD_COMMANDS.has(event.name)) {
      initrds.push(event);
    } else if (event.name === 'search' || event.name === 'search.fs_uuid') {
      const uuid = searchRootUuid(event);
      if (uuid === undefined) unusable ??= `the search on line ${event.line} cannot be evaluated`;
      else if (uuid !== null) hints.push({ uuid, line: event.line });
    } else if (OTHER_LOADERS.has(event.name)) {
      otherLoader ??= `${event.name} (line ${event.line})`;
    }
  });
  const found = linux as { event: CommandEvent } | null;
  if (!found) {
    return { unusable: otherLoader ? `the entry boots with ${otherLoader}, not a Linux kernel` : 'the entry has no linux command' };
  }
  const ev = found.event;
  if (ev.uncertain) return { unusable: `its \`${ev.name}\` on line ${ev.line} is ${ev.uncertain}` };
  if (unusable) return { unusable };
  const kernelWord = ev.argv[1];
  if (!kernelWord) return { unusable: `\`${ev.name}\` on line ${ev.line} has no kernel` };
  const kernel = expandPath(kernelWord, ev);
  if ('unusable' in kernel) return kernel;
  const args = rawArguments(ev.argv.slice(2), ev);
  if ('unusable' in args) return args;
  const initrdPaths: string[] = [];
  for (const event of initrds) {
    if (event.uncertain) return { unusable: `its \`${event.name}\` on line ${event.line} is ${event.uncertain}` };
    initrdPaths.length = 0; // the last initrd command is the one in effect
    for (const w of event.argv.slice(1)) {
      const lit = literalText(w);
      if (lit !== null && lit.startsWith('--')) return { unusable: `\`${event.name} ${lit}\` on line ${event.line} is not supported` };
      const p = expandPath(w, event);
      if ('unusable' in p) return p;
      initrdPaths.push(p.path);
    }
  }
  const uuids = new Set(hints.map((h) => h.uuid.toLowerCase()));
  return {
    files: {
      kernel: kernel.path,
      initrds: initrdPaths,
      cmdline: args.text,
      rootUuid: uuids.size === 1 ? [...uuids][0]! : null,
    },
  };
}
