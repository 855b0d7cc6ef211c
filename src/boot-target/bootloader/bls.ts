/**
 * Boot Loader Specification entries, type #1 (loader/entries/*.conf) and
 * type #2 (unified kernel images, EFI/Linux/*.efi), with the default picked
 * as systemd-boot picks it (src/boot/boot.c in systemd:
 * config_select_default_entry, boot_entry_compare; docs: loader.conf(5),
 * BOOT_LOADER_SPECIFICATION / "Boot Loader Interface"):
 *
 * 1. the EFI variable LoaderEntryOneShot (bootctl set-oneshot, systemctl reboot
 *    --boot-loader-entry=) when it names an entry;
 * 2. the EFI variable LoaderEntryDefault (bootctl set-default) when it does;
 * 3. loader.conf's `default` glob (`@saved`: the EFI variable
 *    LoaderEntryLastBooted), matched case-insensitively against entry ids;
 * 4. else the first entry in systemd-boot's order: entries with a sort-key
 *    first, by sort-key, then machine-id, then version newest first; then by
 *    id (the file name, boot counter removed), newest version first; entries
 *    with no tries left last.
 *
 * Paths in an entry are relative to the partition holding it (ESP or
 * XBOOTLDR), i.e. to the mount point whose loader/entries folder it is in.
 *
 * Entries and loader.conf choose the kernel and its command line, so they are
 * read only when they pass the trust rule (host/trust.ts); one that cannot
 * be used makes the whole choice unusable, since it might have been the default.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { posix } from 'node:path';
import type { SystemRoot } from '../../host/system-root.js';
import { readUnifiedImage } from '../../host/inspect.js';
import { isRegularFile, MAX_BYTES, readFileBytes, readTrustedTextFile, whyUnread } from '../../host/read-file.js';
import { isUnusable, type Unusable } from '../../unusable.js';
import type { BootEntry, EntryLookup } from './types.js';

/** Mount points where an ESP or XBOOTLDR partition is found, in bootctl's order. */
const BLS_PARTITIONS = ['/efi', '/boot', '/boot/efi'];

export const LOADER_GUID = '4a67b082-0a4c-41cf-b6c7-440b29bb8c4f';

export interface BlsEntry {
  /** Entry id: the file name, lower-cased, with the boot counter (+LEFT[-DONE]) removed. */
  readonly id: string;
  /** Where it was read from (system path). */
  readonly file: string;
  /** Mount point of the partition holding it. */
  readonly partition: string;
  readonly title?: string;
  readonly version?: string;
  readonly machineId?: string;
  readonly sortKey?: string;
  readonly linux?: string;
  readonly initrds: readonly string[];
  readonly options: readonly string[];
  readonly efi?: string;
  readonly uki?: string;
  readonly triesLeft?: number;
  readonly triesDone?: number;
}

type SingleKey = 'title' | 'version' | 'machineId' | 'sortKey' | 'linux' | 'efi' | 'uki';

/** The keys an entry has once (a later line replaces an earlier one), and their fields. */
const SINGLE_KEYS: ReadonlyMap<string, SingleKey> = new Map([
  ['title', 'title'],
  ['version', 'version'],
  ['machine-id', 'machineId'],
  ['sort-key', 'sortKey'],
  ['linux', 'linux'],
  ['efi', 'efi'],
  ['uki', 'uki'],
]);

/**
 * Parses the text of one entry file (pure). Like systemd-boot: `key value`
 * per line, `#` comments, a value fully enclosed in double quotes loses them,
 * `initrd` and `options` may repeat.
 */
export function parseBlsEntry(fileName: string, partition: string, file: string, text: string): BlsEntry {
  const single: Partial<Record<SingleKey, string>> = {};
  const initrds: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!;
    let value = m[2]!;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const field = SINGLE_KEYS.get(key);
    if (field !== undefined) single[field] = value;
    else if (key === 'initrd') initrds.push(value);
    else if (key === 'options') options.push(value);
  }
  return { ...entryId(fileName), file, partition, ...single, initrds, options };
}

/** The entry id and boot counter from a file name like `foo+3-1.conf` or `foo+3-1.efi`. */
function entryId(fileName: string): Pick<BlsEntry, 'id' | 'triesLeft' | 'triesDone'> {
  const m = /^(.*?)\+(\d+)(?:-(\d+))?\.(conf|efi)$/i.exec(fileName);
  if (!m) return { id: fileName.toLowerCase() };
  return { id: `${m[1]}.${m[4]}`.toLowerCase(), triesLeft: Number(m[2]), ...(m[3] === undefined ? {} : { triesDone: Number(m[3]) }) };
}

/** os-release(5) text as systemd-boot reads a UKI's .osrel: KEY=value lines, quotes removed. */
function parseOsRelease(text: string): ReadonlyMap<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const m = /^\s*([A-Za-z0-9_]+)=(.*)$/.exec(raw);
    if (m) fields.set(m[1]!, m[2]!.trim().replace(/^(["'])(.*)\1$/, '$2'));
  }
  return fields;
}

/**
 * A type #2 entry, named, versioned and sorted by its .osrel as systemd-boot
 * does (bootspec_pick_name_version_sort_key); its command line is the image's
 * own .cmdline, read where the image is taken apart. Undefined for a file
 * systemd-boot skips: no .osrel, or no name in it.
 */
function type2Entry(fileName: string, partition: string, file: string, osRelease: string | undefined): BlsEntry | undefined {
  if (osRelease === undefined) return undefined;
  const os = parseOsRelease(osRelease);
  const title = os.get('PRETTY_NAME') ?? os.get('IMAGE_ID') ?? os.get('NAME') ?? os.get('ID');
  if (title === undefined) return undefined;
  const version = os.get('IMAGE_VERSION') ?? os.get('VERSION') ?? os.get('VERSION_ID') ?? os.get('BUILD_ID');
  const sortKey = os.get('IMAGE_ID') ?? os.get('ID');
  return {
    ...entryId(fileName),
    file,
    partition,
    title,
    ...(version === undefined ? {} : { version }),
    ...(sortKey === undefined ? {} : { sortKey }),
    uki: `/EFI/Linux/${fileName}`,
    initrds: [],
    options: [],
  };
}

/**
 * systemd's strverscmp_improved() (src/fundamental/string-util-fundamental.c):
 * segments of digits (compared as numbers, more digits newer) or letters;
 * a segment prefixed by `~` is older than anything, by `-` older than by `^`,
 * `.` or nothing; at the end, the longer string is newer; other characters
 * only separate segments.
 */
export function strverscmpImproved(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined || a === '' || b === '') {
    if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
    return a === b ? 0 : a < b ? -1 : 1;
  }
  const cmp = (x: boolean | number, y: boolean | number) => (Number(x) < Number(y) ? -1 : Number(x) > Number(y) ? 1 : 0);
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  const isAlpha = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
  const isValid = (c: string | undefined) => isDigit(c) || isAlpha(c) || c === '~' || c === '-' || c === '^' || c === '.';
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && !isValid(a[i])) i++;
    while (j < b.length && !isValid(b[j])) j++;
    for (const sep of ['~']) {
      if (a[i] === sep || b[j] === sep) {
        const r = cmp(a[i] !== sep, b[j] !== sep);
        if (r !== 0) return r;
        i++;
        j++;
      }
    }
    if (i >= a.length || j >= b.length) {
      const ra = a.slice(i);
      const rb = b.slice(j);
      return ra === rb ? 0 : ra < rb ? -1 : 1;
    }
    for (const sep of ['-', '^', '.']) {
      if (a[i] === sep || b[j] === sep) {
        const r = cmp(a[i] !== sep, b[j] !== sep);
        if (r !== 0) return r;
        i++;
        j++;
      }
    }
    let ei: number;
    let ej: number;
    if (isDigit(a[i]) || isDigit(b[j])) {
      while (a[i] === '0') i++;
      while (b[j] === '0') j++;
      for (ei = i; isDigit(a[ei]); ei++);
      for (ej = j; isDigit(b[ej]); ej++);
      const r = cmp(ei - i, ej - j);
      if (r !== 0) return r;
      const sa = a.slice(i, ei);
      const sb = b.slice(j, ej);
      if (sa !== sb) return sa < sb ? -1 : 1;
    } else {
      for (ei = i; isAlpha(a[ei]); ei++);
      for (ej = j; isAlpha(b[ej]); ej++);
      const n = Math.min(ei - i, ej - j);
      const sa = a.slice(i, i + n);
      const sb = b.slice(j, j + n);
      if (sa !== sb) return sa < sb ? -1 : 1;
      const r = cmp(ei - i, ej - j);
      if (r !== 0) return r;
    }
    i = ei;
    j = ej;
  }
}

/** systemd-boot's boot_entry_compare (negative: a goes first). */
export function compareBlsEntries(a: BlsEntry, b: BlsEntry): number {
  const noTriesA = a.triesLeft === 0 ? 1 : 0;
  const noTriesB = b.triesLeft === 0 ? 1 : 0;
  if (noTriesA !== noTriesB) return noTriesA - noTriesB;
  const hasA = a.sortKey === undefined ? 1 : 0;
  const hasB = b.sortKey === undefined ? 1 : 0;
  if (hasA !== hasB) return hasA - hasB;
  if (a.sortKey !== undefined && b.sortKey !== undefined) {
    if (a.sortKey !== b.sortKey) return a.sortKey < b.sortKey ? -1 : 1;
    if (a.machineId !== b.machineId) {
      if (a.machineId === undefined) return -1;
      if (b.machineId === undefined) return 1;
      return a.machineId < b.machineId ? -1 : 1;
    }
    const v = -strverscmpImproved(a.version, b.version);
    if (v !== 0) return v;
  }
  const id = -strverscmpImproved(a.id, b.id);
  if (id !== 0) return id;
  if (a.triesLeft === undefined || b.triesLeft === undefined) return 0;
  if (a.triesLeft !== b.triesLeft) return b.triesLeft - a.triesLeft;
  return (a.triesDone ?? 0) - (b.triesDone ?? 0);
}

/** fnmatch() as systemd-boot's efi_fnmatch: `*`, `?`, `[...]`, `\` escapes; case already folded. */
export function globMatch(pattern: string, text: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let set = pattern.slice(i + 1, close);
        if (set.startsWith('!')) set = '^' + set.slice(1);
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$', 's').test(text);
}

export interface BlsChoiceInputs {
  readonly oneShot?: string;
  readonly defaultEfivar?: string;
  readonly loaderConfDefault?: string;
  readonly lastBooted?: string;
}

export interface BlsChoice {
  readonly entry: BlsEntry;
  readonly how: string;
  readonly viaOneShot: boolean;
}

/** config_select_default_entry (pure); `entries` must be sorted. */
export function chooseBlsDefault(entries: readonly BlsEntry[], inputs: BlsChoiceInputs): BlsChoice | undefined {
  const find = (pattern: string | undefined) => (pattern === undefined ? undefined : entries.find((e) => globMatch(pattern.toLowerCase(), e.id)));
  let e = find(inputs.oneShot);
  if (e) return { entry: e, how: `via the EFI variable LoaderEntryOneShot=${JSON.stringify(inputs.oneShot)}`, viaOneShot: true };
  e = find(inputs.defaultEfivar);
  if (e) return { entry: e, how: `via the EFI variable LoaderEntryDefault=${JSON.stringify(inputs.defaultEfivar)}`, viaOneShot: false };
  if (inputs.loaderConfDefault === '@saved') {
    e = find(inputs.lastBooted);
    if (e) return { entry: e, how: `via loader.conf "default @saved" (LoaderEntryLastBooted=${JSON.stringify(inputs.lastBooted)})`, viaOneShot: false };
  } else {
    e = find(inputs.loaderConfDefault);
    if (e) return { entry: e, how: `via loader.conf "default ${inputs.loaderConfDefault}"`, viaOneShot: false };
  }
  const first = entries[0];
  return first ? { entry: first, how: 'first in systemd-boot order', viaOneShot: false } : undefined;
}

/** loader.conf's `default` value (last one wins), or undefined. */
function parseLoaderConfDefault(text: string): string | undefined {
  let value: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const m = /^default\s+(.*)$/.exec(line);
    if (m) value = m[1]!.replace(/^"(.*)"$/, '$1');
  }
  return value;
}

/** An EFI variable string from efivarfs: 4 bytes of attributes, then NUL-terminated UTF-16LE. */
function decodeEfiString(data: Buffer): string | undefined {
  if (data.length < 4) return undefined;
  const s = data.subarray(4).toString('utf16le');
  const nul = s.indexOf('\0');
  const v = nul < 0 ? s : s.slice(0, nul);
  return v === '' ? undefined : v;
}

/** Where a file could not be used, in one line that names it. */
type Reading<T> = { readonly value: T } | Unusable;

function readEfiVar(root: SystemRoot, name: string): Reading<string | undefined> {
  const file = `/sys/firmware/efi/efivars/${name}-${LOADER_GUID}`;
  const read = readFileBytes(root, file, MAX_BYTES.efiVariable);
  if (read.kind === 'bytes') return { value: decodeEfiString(read.bytes) };
  return read.kind === 'missing' ? { value: undefined } : { unusable: whyUnread(file, read) };
}

/** An entry or loader.conf chooses the kernel and its command line: it must pass the trust rule. */
function readBlsFile(root: SystemRoot, systemPath: string): Reading<string | undefined> {
  const read = readTrustedTextFile(root, systemPath, MAX_BYTES.bootLoaderSpec);
  if (read.kind === 'text') return { value: read.text };
  return read.kind === 'missing' ? { value: undefined } : { unusable: whyUnread(systemPath, read) };
}

/** The names in a folder of the system, sorted; none when it cannot be listed. */
function listFolder(root: SystemRoot, dir: string): readonly string[] {
  try {
    return readdirSync(root.path(dir)).sort();
  } catch {
    return [];
  }
}

/** The type #1 entries of one partition. */
function readType1Entries(root: SystemRoot, partition: string): Reading<readonly BlsEntry[]> {
  const entries: BlsEntry[] = [];
  const dir = posix.join(partition, 'loader/entries');
  for (const name of listFolder(root, dir)) {
    if (!name.toLowerCase().endsWith('.conf') || name.startsWith('.')) continue;
    const file = posix.join(dir, name);
    const text = readBlsFile(root, file);
    if (isUnusable(text)) return text;
    if (text.value !== undefined) entries.push(parseBlsEntry(name, partition, file, text.value));
  }
  return { value: entries };
}

/**
 * The type #2 entries of one partition. An image that is no unified image is
 * skipped, as systemd-boot skips it; one that cannot be trusted or read makes
 * the choice unknown, as an unreadable type #1 entry does.
 */
function readType2Entries(root: SystemRoot, partition: string): Reading<readonly BlsEntry[]> {
  const entries: BlsEntry[] = [];
  const dir = posix.join(partition, 'EFI/Linux');
  for (const name of listFolder(root, dir)) {
    if (!name.toLowerCase().endsWith('.efi') || name.startsWith('.') || name.startsWith('auto-')) continue;
    const file = posix.join(dir, name);
    if (!isRegularFile(root, file)) continue;
    const image = readUnifiedImage(root, file);
    if (image !== undefined && isUnusable(image)) return image;
    const entry = image && type2Entry(name, partition, file, image.osRelease);
    if (entry) entries.push(entry);
  }
  return { value: entries };
}

/**
 * All entries on the system, sorted as systemd-boot sorts them. One that
 * cannot be read makes the choice unknown, since it might be the default.
 */
function readBlsEntries(root: SystemRoot): Reading<readonly BlsEntry[]> {
  const entries: BlsEntry[] = [];
  const seen = new Set<string>();
  for (const partition of BLS_PARTITIONS) {
    // /boot/efi under /boot, or a symlink: the same partition read twice.
    let real: string;
    try {
      real = realpathSync(root.path(partition));
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    for (const read of [readType2Entries, readType1Entries]) {
      const found = read(root, partition);
      if (isUnusable(found)) return found;
      entries.push(...found.value);
    }
  }
  return { value: entries.sort(compareBlsEntries) };
}

/** `default` of loader.conf on the ESP: the first of the partitions that has one. */
function readLoaderConfDefault(root: SystemRoot): Reading<string | undefined> {
  for (const partition of BLS_PARTITIONS) {
    const text = readBlsFile(root, posix.join(partition, 'loader/loader.conf'));
    if (isUnusable(text)) return text;
    if (text.value !== undefined) return { value: parseLoaderConfDefault(text.value) };
  }
  return { value: undefined };
}

const EFI_CHOICES = [
  ['oneShot', 'LoaderEntryOneShot'],
  ['defaultEfivar', 'LoaderEntryDefault'],
  ['lastBooted', 'LoaderEntryLastBooted'],
] as const;

/** What chooses among the entries besides their order: loader.conf and systemd-boot's EFI variables. */
function readChoiceInputs(root: SystemRoot): Reading<BlsChoiceInputs> {
  const inputs: Partial<Record<keyof BlsChoiceInputs, string>> = {};
  const conf = readLoaderConfDefault(root);
  if (isUnusable(conf)) return conf;
  if (conf.value !== undefined) inputs.loaderConfDefault = conf.value;
  for (const [input, variable] of EFI_CHOICES) {
    const value = readEfiVar(root, variable);
    if (isUnusable(value)) return value;
    if (value.value !== undefined) inputs[input] = value.value;
  }
  return { value: inputs };
}

/** Joins an entry path to its partition: `/vmlinuz` in /efi/loader/entries is /efi/vmlinuz. */
function blsSystemPath(partition: string, entryPath: string): string {
  return posix.normalize(posix.join(partition, entryPath.replace(/\\/g, '/')));
}

/** systemd-boot's next entry, or undefined when there are no entries at all. */
export function findBlsEntry(root: SystemRoot): EntryLookup | undefined {
  const entries = readBlsEntries(root);
  if (isUnusable(entries)) return entries;
  if (entries.value.length === 0) return undefined;
  const inputs = readChoiceInputs(root);
  if (isUnusable(inputs)) return inputs;
  const choice = chooseBlsDefault(entries.value, inputs.value);
  if (choice === undefined) return undefined;
  const { entry, how } = choice;
  const origin = `${entry.file} ${how}`;
  // A unified image (uki, or an efi program that is one) is taken apart where the target is resolved.
  const image = entry.linux ?? entry.uki ?? entry.efi;
  if (image === undefined) return { unusable: `${origin}: the entry names no kernel (no linux, uki or efi line)` };
  const kernel = blsSystemPath(entry.partition, image);
  if (!isRegularFile(root, kernel)) return { unusable: `${origin}: kernel ${kernel} not found` };
  const initrds = entry.initrds.map((i) => blsSystemPath(entry.partition, i));
  for (const i of initrds) if (!isRegularFile(root, i)) return { unusable: `${origin}: initrd ${i} not found` };
  const found: BootEntry = { kernel, initrds, cmdline: entry.options.join(' '), origin, ...(choice.viaOneShot ? { viaOneShot: true } : {}) };
  return { found };
}
