/**
 * A parser for the GRUB script language as grub-mkconfig writes it
 * (grub-core/script/yylex.l, parser.y). It only builds a syntax tree; nothing
 * is executed here. See grub-menu.ts for the (very limited) evaluation.
 */

/** A piece of a word: literal text, or a variable reference. */
export type WordPart =
  | { readonly kind: 'lit'; readonly text: string }
  | { readonly kind: 'var'; readonly name: string; readonly quoted: boolean; readonly start: number; readonly end: number };

export interface Word {
  readonly parts: readonly WordPart[];
  /** Offsets of the word in the source text. */
  readonly start: number;
  readonly end: number;
  /** True when some of the word was quoted (so it is never a keyword). */
  readonly quoted: boolean;
}

export interface Command {
  readonly type: 'command';
  readonly words: readonly Word[];
  readonly line: number;
}

/** An `if` or `elif` and its body; the condition is a list of commands. */
export interface IfBranch {
  readonly condition: readonly Statement[];
  readonly body: readonly Statement[];
}

export interface IfStatement {
  readonly type: 'if';
  /** `if`/`elif` branches, in order. */
  readonly branches: readonly IfBranch[];
  readonly elseBody: readonly Statement[] | undefined;
  readonly line: number;
}

export interface MenuEntryStatement {
  readonly type: 'menuentry';
  readonly kind: 'menuentry' | 'submenu';
  /** The words after the keyword, options and title included. */
  readonly args: readonly Word[];
  readonly body: readonly Statement[];
  readonly line: number;
}

export interface FunctionStatement {
  readonly type: 'function';
  readonly name: string;
  readonly body: readonly Statement[];
  readonly line: number;
}

/** for/while/until: kept opaque, evaluated as "may or may not run". */
export interface LoopStatement {
  readonly type: 'loop';
  readonly keyword: string;
  readonly body: readonly Statement[];
  readonly line: number;
}

export type Statement = Command | IfStatement | MenuEntryStatement | FunctionStatement | LoopStatement;

export interface Script {
  readonly source: string;
  readonly statements: readonly Statement[];
}

export class GrubScriptError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

type Token =
  | { readonly type: 'word'; readonly word: Word; readonly line: number }
  | { readonly type: 'newline' | 'semi' | 'lbrace' | 'rbrace' | 'eof'; readonly line: number };

const VAR_NAME = /^[A-Za-z0-9_]+/;
const SPECIAL_VARS = new Set(['?', '#', '*', '@']);

/** Splits GRUB script source into tokens, following yylex.l's quoting rules. */
export function tokenize(source: string): readonly Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const n = source.length;

  const readVar = (quoted: boolean): WordPart | undefined => {
    // source[i] === '$'
    const start = i;
    if (source[i + 1] === '{') {
      const close = source.indexOf('}', i + 2);
      if (close < 0) throw new GrubScriptError('unterminated ${', line);
      const name = source.slice(i + 2, close);
      i = close + 1;
      return { kind: 'var', name, quoted, start, end: i };
    }
    const rest = source.slice(i + 1);
    const m = VAR_NAME.exec(rest);
    if (m) {
      i += 1 + m[0].length;
      return { kind: 'var', name: m[0], quoted, start, end: i };
    }
    const c = source[i + 1];
    if (c !== undefined && SPECIAL_VARS.has(c)) {
      i += 2;
      return { kind: 'var', name: c, quoted, start, end: i };
    }
    return undefined; // a lone '$' is literal
  };

  while (i < n) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && source[i + 1] === '\n') {
      i += 2;
      line++;
      continue;
    }
    if (c === '\n') {
      tokens.push({ type: 'newline', line });
      line++;
      i++;
      continue;
    }
    if (c === ';') {
      tokens.push({ type: 'semi', line });
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '{' || c === '}') {
      tokens.push({ type: c === '{' ? 'lbrace' : 'rbrace', line });
      i++;
      continue;
    }
    // A word: runs of unquoted text, '...', "..." and variables.
    const startLine = line;
    const start = i;
    const parts: WordPart[] = [];
    let quoted = false;
    const lit = (text: string) => {
      const last = parts[parts.length - 1];
      if (last?.kind === 'lit') parts[parts.length - 1] = { kind: 'lit', text: last.text + text };
      else parts.push({ kind: 'lit', text });
    };
    while (i < n) {
      const ch = source[i]!;
      if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === ';' || ch === '{' || ch === '}') break;
      if (ch === '\\') {
        const next = source[i + 1];
        if (next === undefined) {
          i++;
          break;
        }
        if (next === '\n') {
          i += 2;
          line++;
          continue;
        }
        lit(next);
        quoted = true;
        i += 2;
        continue;
      }
      if (ch === "'") {
        const close = source.indexOf("'", i + 1);
        if (close < 0) throw new GrubScriptError('unterminated single quote', startLine);
        const text = source.slice(i + 1, close);
        line += text.split('\n').length - 1;
        lit(text);
        quoted = true;
        i = close + 1;
        continue;
      }
      if (ch === '"') {
        quoted = true;
        i++;
        let closed = false;
        lit('');
        while (i < n) {
          const d = source[i]!;
          if (d === '"') {
            i++;
            closed = true;
            break;
          }
          if (d === '\\') {
            const next = source[i + 1];
            if (next === '\n') {
              i += 2;
              line++;
              continue;
            }
            if (next === '\\' || next === '"' || next === '$') {
              lit(next);
              i += 2;
              continue;
            }
            lit('\\');
            i++;
            continue;
          }
          if (d === '$') {
            const v = readVar(true);
            if (v) {
              parts.push(v);
              continue;
            }
          }
          if (d === '\n') line++;
          lit(d);
          i++;
        }
        if (!closed) throw new GrubScriptError('unterminated double quote', startLine);
        continue;
      }
      if (ch === '$') {
        const v = readVar(false);
        if (v) {
          parts.push(v);
          continue;
        }
      }
      lit(ch);
      i++;
    }
    tokens.push({ type: 'word', word: { parts, start, end: i, quoted }, line: startLine });
  }
  tokens.push({ type: 'eof', line });
  return tokens;
}

/** The word's text when it is plain literal text (no variables), else undefined. */
export function literalText(word: Word): string | undefined {
  let text = '';
  for (const part of word.parts) {
    if (part.kind !== 'lit') return undefined;
    text += part.text;
  }
  return text;
}

function keywordOf(word: Word): string | undefined {
  if (word.quoted) return undefined;
  return literalText(word);
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.type !== 'eof') this.pos++;
    return t;
  }

  private skipSeparators(): void {
    for (;;) {
      const t = this.peek();
      if (t.type === 'newline' || t.type === 'semi') this.pos++;
      else return;
    }
  }

  /** Parses statements until one of `terminators` starts a command (or `}` / EOF). */
  parseList(terminators: ReadonlySet<string>, closeBrace: boolean): { readonly statements: readonly Statement[]; readonly end: string } {
    const statements: Statement[] = [];
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.type === 'eof') {
        if (closeBrace || terminators.size > 0) throw new GrubScriptError('unexpected end of file', t.line);
        return { statements, end: 'eof' };
      }
      if (t.type === 'rbrace') {
        if (!closeBrace) throw new GrubScriptError("unexpected '}'", t.line);
        this.next();
        return { statements, end: '}' };
      }
      if (t.type === 'lbrace') throw new GrubScriptError("unexpected '{'", t.line);
      if (t.type === 'word') {
        const kw = keywordOf(t.word);
        if (kw !== undefined && terminators.has(kw)) {
          this.next();
          return { statements, end: kw };
        }
      }
      statements.push(this.parseStatement());
    }
  }

  private parseStatement(): Statement {
    const first = this.peek();
    if (first.type !== 'word') throw new GrubScriptError('expected a command', first.line);
    const kw = keywordOf(first.word);
    if (kw === 'if') return this.parseIf();
    if (kw === 'function') return this.parseFunction();
    if (kw === 'menuentry' || kw === 'submenu') return this.parseMenuEntry(kw);
    if (kw === 'for' || kw === 'while' || kw === 'until') return this.parseLoop(kw);
    const words: Word[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type !== 'word') break;
      words.push(t.word);
      this.next();
    }
    return { type: 'command', words, line: first.line };
  }

  private parseIf(): IfStatement {
    const line = this.next().line; // 'if'
    const branches: IfBranch[] = [];
    let elseBody: readonly Statement[] | undefined;
    let keyword = 'if';
    for (;;) {
      if (keyword === 'if' || keyword === 'elif') {
        const condition = this.parseList(new Set(['then']), false).statements;
        const body = this.parseList(new Set(['elif', 'else', 'fi']), false);
        branches.push({ condition, body: body.statements });
        keyword = body.end;
      } else if (keyword === 'else') {
        elseBody = this.parseList(new Set(['fi']), false).statements;
        keyword = 'fi';
      } else {
        return { type: 'if', branches, elseBody, line };
      }
    }
  }

  private parseFunction(): FunctionStatement {
    const line = this.next().line;
    const nameTok = this.next();
    if (nameTok.type !== 'word') throw new GrubScriptError('function without a name', line);
    const name = literalText(nameTok.word) ?? '';
    this.skipNewlines();
    const brace = this.next();
    if (brace.type !== 'lbrace') throw new GrubScriptError(`function ${name}: expected '{'`, line);
    const body = this.parseList(new Set(), true).statements;
    return { type: 'function', name, body, line };
  }

  private skipNewlines(): void {
    while (this.peek().type === 'newline') this.pos++;
  }

  private parseMenuEntry(kind: 'menuentry' | 'submenu'): MenuEntryStatement {
    const line = this.next().line;
    const args: Word[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === 'word') {
        args.push(t.word);
        this.next();
        continue;
      }
      if (t.type === 'lbrace') {
        this.next();
        break;
      }
      throw new GrubScriptError(`${kind}: expected '{' on the same line`, line);
    }
    const body = this.parseList(new Set(), true).statements;
    return { type: 'menuentry', kind, args, body, line };
  }

  private parseLoop(keyword: string): LoopStatement {
    const line = this.next().line;
    // Header up to `do`, then the body up to `done`.
    this.parseList(new Set(['do']), false);
    const body = this.parseList(new Set(['done']), false).statements;
    return { type: 'loop', keyword, body, line };
  }
}

/** Parses a whole grub.cfg. Throws GrubScriptError on a syntax error. */
export function parseGrubScript(source: string): Script {
  const parser = new Parser(tokenize(source));
  return { source, statements: parser.parseList(new Set(), false).statements };
}
