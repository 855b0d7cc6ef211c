/**
 * Random configuration files within the supported sh subset, for the
 * differential test against /bin/sh. Every piece is emitted as a complete unit
 * (an escape with its character, a quote with its closing quote), so joining
 * pieces never leaves the subset.
 */

/** Small seeded PRNG (mulberry32): the same seed gives the same corpus on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Names assigned and referenced: the real keys, helpers, and one never assigned. */
export const GENERATED_NAMES = [
  'LOAD_KEXEC',
  'USE_KEXEC',
  'KERNEL_IMAGE',
  'INITRD',
  'APPEND',
  'USE_GRUB_CONFIG',
  'BASE',
  'extra_opts',
  'Z_9',
];
const REFERENCED_NAMES = [...GENERATED_NAMES, 'NEVER_SET'];

const SNIPPET_NAMES = ['10-console', '20_grub', 'Zed', '-early', 'local.conf', '99-last'];

const CMDLINE_IDIOMS = ['$(cat /proc/cmdline)', '$( cat /proc/cmdline )', '`cat /proc/cmdline`', '$(cat  /proc/cmdline)'];

export interface GeneratedCase {
  /** LF text of /etc/default/kexec. */
  readonly main: string;
  /** Snippets by name, LF text; names may be ones run-parts skips. */
  readonly snippets: ReadonlyMap<string, string>;
  /** Written with CRLF line endings for the reader (sh gets the LF text). */
  readonly crlf: boolean;
  /** Written with a UTF-8 BOM for the reader. */
  readonly bom: boolean;
}

export function generateCase(random: () => number): GeneratedCase {
  const g = new Generator(random);
  const snippets = new Map<string, string>();
  for (let i = g.int(0, 2); i > 0; i--) snippets.set(g.pick(SNIPPET_NAMES), g.file());
  return { main: g.file(), snippets, crlf: random() < 0.15, bom: random() < 0.05 };
}

class Generator {
  constructor(private readonly random: () => number) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  private chars(alphabet: string, min: number, max: number): string {
    let s = '';
    for (let n = this.int(min, max); n > 0; n--) s += this.pick([...alphabet]);
    return s;
  }

  file(): string {
    const lines: string[] = [];
    for (let n = this.int(1, 10); n > 0; n--) lines.push(this.line());
    return lines.join('\n') + (this.chance(0.8) ? '\n' : '');
  }

  private line(): string {
    const indent = this.chance(0.2) ? this.pick([' ', '\t', '  ']) : '';
    const kind = this.random();
    if (kind < 0.1) return '';
    if (kind < 0.2) return indent + this.comment();
    if (kind < 0.3) return indent + this.exportLine();
    return indent + (this.chance(0.2) ? 'export ' : '') + this.assignments() + this.trailingComment();
  }

  /** Comments may hold anything, a trailing backslash included: it does not continue them. */
  private comment(): string {
    return '#' + this.chars(' abcXYZ"\'$()`;|&<>\\=#', 0, 20);
  }

  private trailingComment(): string {
    return this.chance(0.25) ? this.pick([' ', '\t', '  ']) + this.comment() : '';
  }

  private exportLine(): string {
    const parts: string[] = [];
    for (let n = this.int(1, 3); n > 0; n--) {
      parts.push(this.chance(0.5) ? this.pick(GENERATED_NAMES) : this.assignment());
    }
    return 'export ' + parts.join(' ') + this.trailingComment();
  }

  private assignments(): string {
    const parts = [this.assignment()];
    for (let n = this.chance(0.25) ? this.int(1, 2) : 0; n > 0; n--) {
      parts.push(this.pick([' ', '\t', ' \\\n  ']) + this.assignment());
    }
    return parts.join('');
  }

  private assignment(): string {
    let value = '';
    for (let n = this.int(0, 4); n > 0; n--) value += this.valuePart();
    return this.pick(GENERATED_NAMES) + '=' + value;
  }

  private valuePart(): string {
    const kind = this.random();
    if (kind < 0.25) return this.chars('abcXYZ019/._-=,+@%^#*?[]{}!:', 1, 6);
    if (kind < 0.35) return '\\' + this.pick([...' "\'$\\;|&()<>`~#*a=']);
    if (kind < 0.5) return "'" + this.chars(' ab$"`#~(;\\\n*', 0, 8) + "'";
    if (kind < 0.75) return this.doubleQuoted();
    if (kind < 0.85) return this.variable();
    if (kind < 0.95) return this.pick(CMDLINE_IDIOMS);
    return '\\\n';
  }

  private doubleQuoted(): string {
    let s = '"';
    for (let n = this.int(0, 5); n > 0; n--) s += this.doubleQuotedPart();
    return s + '"';
  }

  private doubleQuotedPart(): string {
    const kind = this.random();
    if (kind < 0.35) return this.chars(" abcXYZ'#~;|(){}*=\n", 1, 6);
    if (kind < 0.55) return this.pick(['\\\\', '\\"', '\\$', '\\`', '\\n', '\\a', '\\ ', "\\'", '\\\n']);
    if (kind < 0.75) return this.variable();
    if (kind < 0.9) return this.pick(CMDLINE_IDIOMS);
    return this.pick(['$ ', '$/', '$.', '$=']);
  }

  private variable(): string {
    const name = this.pick(REFERENCED_NAMES);
    return this.chance(0.5) ? `$${name}` : `\${${name}}`;
  }
}
