/**
 * GRUB's environment block (/boot/grub/grubenv), as written by grub-editenv,
 * grub-set-default and grub-reboot. Format from grub-core/lib/envblk.c: the
 * signature line "# GRUB Environment Block", then `name=value` lines where a
 * backslash escapes the next character (grub-editenv escapes `\` and newline),
 * padded with `#` to 1024 bytes. Lines starting with `#` are skipped.
 */
import type { SystemRoot } from '../../host/system-root.js';
import { MAX_BYTES, readTrustedTextFile, whyUnread } from '../../host/read-file.js';
import { isUnusable, type Unusable } from '../../unusable.js';

const GRUBENV_SIGNATURE = '# GRUB Environment Block\n';

export type GrubenvParse = { readonly vars: ReadonlyMap<string, string> } | Unusable;

/** Parses the text of an environment block (pure). */
export function parseGrubenv(text: string): GrubenvParse {
  if (!text.startsWith(GRUBENV_SIGNATURE)) return { unusable: 'no "# GRUB Environment Block" signature' };
  const vars = new Map<string, string>();
  let p = GRUBENV_SIGNATURE.length;
  const end = text.length;
  const nextLine = (from: number): number => {
    let q = from;
    while (q < end) {
      if (text[q] === '\\') q += 2;
      else if (text[q] === '\n') break;
      else q++;
    }
    return q + 1;
  };
  while (p < end) {
    if (text[p] !== '#') {
      const eq = text.indexOf('=', p);
      if (eq < 0) break; // broken block: GRUB stops here too
      const name = text.slice(p, eq);
      let q = eq + 1;
      let value = '';
      let complete = false;
      while (q < end) {
        const c = text[q]!;
        if (c === '\n') {
          complete = true;
          break;
        }
        if (c === '\\') {
          value += text[q + 1] ?? '';
          q += 2;
        } else {
          value += c;
          q++;
        }
      }
      if (!complete) break; // GRUB ignores an unterminated last line
      if (!name.includes('\n')) vars.set(name, value);
    }
    p = nextLine(p);
  }
  return { vars };
}

export type GrubenvRead =
  | { readonly state: 'missing' }
  | { readonly state: 'empty' }
  /** Not a block at all; GRUB would load nothing from it. */
  | { readonly state: 'invalid'; readonly why: string }
  /** Not read (not a regular text file, too large, writable by others): what GRUB would load is not known. */
  | Unusable
  | { readonly state: 'read'; readonly vars: ReadonlyMap<string, string> };

/** Reads a grubenv file through the root (`systemPath` e.g. /boot/grub/grubenv). */
export function readGrubenv(root: SystemRoot, systemPath: string): GrubenvRead {
  const read = readTrustedTextFile(root, systemPath, MAX_BYTES.grubenv);
  if (read.kind === 'missing') return { state: 'missing' };
  if (read.kind !== 'text') return { unusable: whyUnread(systemPath, read) };
  const { text } = read;
  if (text.length === 0) return { state: 'empty' };
  const parsed = parseGrubenv(text);
  if (isUnusable(parsed)) return { state: 'invalid', why: `${systemPath}: ${parsed.unusable}` };
  return { state: 'read', vars: parsed.vars };
}
