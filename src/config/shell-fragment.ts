/**
 * Evaluates /etc/default/kexec-style shell fragments without a shell.
 *
 * The files are sourced by /bin/sh (dash) on a real system, so the values read
 * here must be the ones dash would give. Only the subset people write in such
 * files is understood: NAME=value assignments (several per line allowed),
 * `export NAME[=value]`, comments, quoting, escapes, line continuations,
 * `$NAME` / `${NAME}` and the `$(cat /proc/cmdline)` idiom. Anything else is
 * reported as an error and never run: this module executes nothing.
 *
 * Documented tolerance: CRLF line endings are read as LF (dash would keep the
 * \r in values, which is never what the author meant).
 */

export interface FragmentContext {
  /** Variables set by files sourced earlier into the same shell. */
  readonly variables: ReadonlyMap<string, string>;
  /** The text of /proc/cmdline, or undefined when it cannot be read. */
  readProcCmdline(): string | undefined;
}

export interface Assignment {
  readonly name: string;
  readonly value: string;
  /** The line the assignment starts on, 1-based. */
  readonly line: number;
}

export interface FragmentError {
  readonly line: number;
  readonly message: string;
}

export interface FragmentEvaluation {
  /** Assignments in execution order, up to the first error. */
  readonly assignments: readonly Assignment[];
  /** The first construct outside the supported subset; evaluation stops there. */
  readonly error?: FragmentError;
}

/**
 * Evaluates `text` as dash would source it, within the supported subset.
 * Stops at the first error, keeping the assignments before it (dash, too,
 * runs the commands that precede a syntax error).
 */
export function evaluateShellFragment(text: string, context: FragmentContext): FragmentEvaluation {
  const evaluator = new FragmentEvaluator(text.replace(/\r\n/g, '\n').replace(/\r$/, ''), context);
  try {
    evaluator.evaluateAll();
    return { assignments: evaluator.assignments };
  } catch (e) {
    if (!(e instanceof UnsupportedShell)) throw e;
    return { assignments: evaluator.assignments, error: { line: e.line, message: e.message } };
  }
}

class UnsupportedShell extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const BLANK = /[ \t]/;
/** Characters that end an unquoted word and start something this subset refuses. */
const OPERATOR_MEANINGS: Readonly<Record<string, string>> = {
  ';': 'a command separator',
  '&': 'a background or && operator',
  '|': 'a pipe or || operator',
  '<': 'a redirection',
  '>': 'a redirection',
  '(': 'a subshell or function',
  ')': 'a subshell or function',
};
/** `$(cat /proc/cmdline)` and its spacing variants: the only command substitution allowed. */
const PROC_CMDLINE_COMMAND = /^[ \t\n]*cat[ \t]+\/proc\/cmdline[ \t\n]*$/;

class FragmentEvaluator {
  readonly assignments: Assignment[] = [];
  private readonly variables: Map<string, string>;
  private pos = 0;
  private line = 1;

  constructor(
    private readonly text: string,
    private readonly context: FragmentContext,
  ) {
    this.variables = new Map(context.variables);
  }

  evaluateAll(): void {
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === undefined) return;
      if (c === '\n') this.advance();
      else if (c === '#') this.skipComment();
      else this.evaluateCommand();
    }
  }

  // --- characters ---------------------------------------------------------

  /**
   * The next character, after removing backslash-newline pairs, which sh
   * deletes everywhere except inside single quotes and comments.
   */
  private peek(): string | undefined {
    while (this.text[this.pos] === '\\' && this.text[this.pos + 1] === '\n') {
      this.pos += 2;
      this.line += 1;
    }
    return this.text[this.pos];
  }

  /** The next character exactly as written (single quotes, comments, the char after `\`). */
  private peekRaw(): string | undefined {
    return this.text[this.pos];
  }

  private advance(): void {
    if (this.text[this.pos] === '\n') this.line += 1;
    this.pos += 1;
  }

  private fail(message: string, line = this.line): never {
    throw new UnsupportedShell(line, message);
  }

  private skipBlanks(): void {
    for (let c = this.peek(); c !== undefined && BLANK.test(c); c = this.peek()) this.advance();
  }

  /** A comment runs to the end of the physical line: a trailing backslash does not continue it. */
  private skipComment(): void {
    while (this.peekRaw() !== undefined && this.peekRaw() !== '\n') this.advance();
  }

  private atEndOfWord(): boolean {
    return !this.continuesWord(this.peek());
  }

  private continuesWord(c: string | undefined): c is string {
    return c !== undefined && c !== '\n' && !BLANK.test(c) && !(c in OPERATOR_MEANINGS);
  }

  // --- commands -----------------------------------------------------------

  private evaluateCommand(): void {
    const line = this.line;
    this.failOnOperator();
    const name = this.readAssignmentName();
    if (name !== undefined) {
      this.evaluateAssignments(name, line);
    } else if (this.readWordIf('export')) {
      this.evaluateExport(line);
    } else {
      this.fail(
        `${this.describeWord()} would run as a command: only NAME=value (no spaces around =) and export lines are supported`,
      );
    }
  }

  /** `A=1 B=$A` assigns left to right, as dash does. */
  private evaluateAssignments(firstName: string, firstLine: number): void {
    let name: string | undefined = firstName;
    let line = firstLine;
    while (name !== undefined) {
      this.assign(name, this.readValue(), line);
      if (this.atEndOfCommand()) return;
      line = this.line;
      name = this.readAssignmentName();
    }
    this.fail(`${this.describeWord()} would run as a command: quote values that contain spaces`);
  }

  /**
   * `export NAME=value ...` is a command: dash expands all its arguments
   * first, then assigns, so `export A=1 B=$A` sees the old A. Its values are
   * not split or globbed either (dash treats export as a declaration utility).
   */
  private evaluateExport(line: number): void {
    if (this.atEndOfCommand()) this.fail('export without a NAME is not supported', line);
    const expanded: Assignment[] = [];
    do {
      const argumentLine = this.line;
      const name = this.readAssignmentName();
      if (name !== undefined) expanded.push({ name, value: this.readValue(), line: argumentLine });
      else if (!this.readExportedName()) this.fail(`export ${this.describeWord()}: expected NAME or NAME=value`);
    } while (!this.atEndOfCommand());
    for (const { name, value, line } of expanded) this.assign(name, value, line);
  }

  private assign(name: string, value: string, line: number): void {
    this.variables.set(name, value);
    this.assignments.push({ name, value, line });
  }

  /** After a word: true at a newline, end of file or comment; false before another word. */
  private atEndOfCommand(): boolean {
    this.skipBlanks();
    const c = this.peek();
    if (c === undefined || c === '\n' || c === '#') return true;
    this.failOnOperator();
    return false;
  }

  private failOnOperator(): void {
    const c = this.peek();
    if (c !== undefined && c in OPERATOR_MEANINGS) this.fail(`${c} (${OPERATOR_MEANINGS[c]}) is not supported`);
  }

  /** Consumes `NAME=` if the next word starts with it; otherwise consumes nothing. */
  private readAssignmentName(): string | undefined {
    return this.backtrackUnless(() => {
      const name = this.readName();
      if (name === '' || this.peek() !== '=') return undefined;
      this.advance();
      return name;
    });
  }

  /** Consumes the unquoted word `word` if it comes next as a whole word. */
  private readWordIf(word: string): boolean {
    return this.backtrackUnless(() => (this.readName() === word && this.atEndOfWord() ? word : undefined)) !== undefined;
  }

  /** `export NAME` without a value: changes no value, so it only needs to be recognised. */
  private readExportedName(): boolean {
    return this.backtrackUnless(() => {
      const name = this.readName();
      return name !== '' && this.atEndOfWord() ? name : undefined;
    }) !== undefined;
  }

  /** Runs `read`; when it finds nothing, puts the position back where it was. */
  private backtrackUnless<T>(read: () => T | undefined): T | undefined {
    const start = { pos: this.pos, line: this.line };
    const result = read();
    if (result === undefined) {
      this.pos = start.pos;
      this.line = start.line;
    }
    return result;
  }

  /** A shell name ([A-Za-z_][A-Za-z0-9_]*) or '' if none starts here. */
  private readName(): string {
    let name = '';
    for (let c = this.peek(); c !== undefined && (name === '' ? NAME_START : NAME_CHAR).test(c); c = this.peek()) {
      name += c;
      this.advance();
    }
    return name;
  }

  /** The word that starts here, quoted for a message. */
  private describeWord(): string {
    const rest = this.text.slice(this.pos);
    const word = /^[^\s]*/.exec(rest)?.[0] ?? '';
    return JSON.stringify(word.length > 40 ? `${word.slice(0, 40)}...` : word);
  }

  // --- words --------------------------------------------------------------

  /**
   * The value of an assignment word. In an assignment sh neither splits nor
   * globs the result, so expansions keep their spaces and `*` stays literal.
   */
  private readValue(): string {
    let value = '';
    // Tilde expansion happens at the start of the value and after each unquoted ':'.
    let tildeWouldExpand = true;
    for (let c = this.peek(); this.continuesWord(c); c = this.peek()) {
      if (c === '~' && tildeWouldExpand) this.fail('~ (tilde expansion) is not supported: write the path out');
      tildeWouldExpand = c === ':';
      value += this.readValuePart(c);
    }
    return value;
  }

  private readValuePart(c: string): string {
    switch (c) {
      case "'":
        return this.readSingleQuoted();
      case '"':
        return this.readDoubleQuoted();
      case '\\':
        return this.readUnquotedEscape();
      case '$':
        return this.readDollar({ quoted: false });
      case '`':
        return this.readBackquoted();
      default:
        this.advance();
        return c;
    }
  }

  private readUnquotedEscape(): string {
    this.advance();
    const escaped = this.peekRaw();
    // A backslash at the very end of the file stays, as in dash.
    if (escaped === undefined) return '\\';
    this.advance();
    return escaped;
  }

  private readSingleQuoted(): string {
    const openLine = this.line;
    this.advance();
    let value = '';
    for (let c = this.peekRaw(); c !== "'"; c = this.peekRaw()) {
      if (c === undefined) this.fail(`unterminated single quote (opened on line ${openLine})`, openLine);
      value += c;
      this.advance();
    }
    this.advance();
    return value;
  }

  private readDoubleQuoted(): string {
    const openLine = this.line;
    this.advance();
    let value = '';
    for (let c = this.peek(); c !== '"'; c = this.peek()) {
      if (c === undefined) this.fail(`unterminated double quote (opened on line ${openLine})`, openLine);
      if (c === '\\') value += this.readDoubleQuotedEscape();
      else if (c === '$') value += this.readDollar({ quoted: true });
      else if (c === '`') value += this.readBackquoted();
      else {
        value += c;
        this.advance();
      }
    }
    this.advance();
    return value;
  }

  /** Inside double quotes a backslash escapes only $ ` " and \; before anything else it is literal. */
  private readDoubleQuotedEscape(): string {
    this.advance();
    const next = this.peekRaw();
    if (next !== undefined && '$`"\\'.includes(next)) {
      this.advance();
      return next;
    }
    return '\\';
  }

  // --- expansions ---------------------------------------------------------

  private readDollar({ quoted }: { quoted: boolean }): string {
    this.advance();
    const c = this.peek();
    if (c === '{') return this.readBracedVariable();
    if (c === '(') return this.readCommandSubstitution();
    if (c !== undefined && NAME_START.test(c)) return this.lookup(this.readName());
    if (c !== undefined && /[0-9@*#?$!-]/.test(c)) this.fail(`$${c} (a special parameter) is not supported`);
    // dash and bash disagree on $'...' and $"...": refuse rather than guess.
    if (!quoted && (c === "'" || c === '"')) this.fail(`$${c}...${c} quoting is not supported`);
    return '$';
  }

  /** `${NAME}` only: operators such as ${NAME:-x} are refused rather than approximated. */
  private readBracedVariable(): string {
    const line = this.line;
    const dollar = this.pos - 1;
    this.advance();
    const name = this.readName();
    if (name === '' || this.peek() !== '}') {
      const end = this.text.indexOf('}', this.pos);
      const shown = end === -1 || end - dollar > 40 ? '${' + name + '...' : this.text.slice(dollar, end + 1);
      this.fail(`${shown} is not supported: only \${NAME} without operators`, line);
    }
    this.advance();
    return this.lookup(name);
  }

  private readCommandSubstitution(): string {
    const line = this.line;
    this.advance();
    if (this.peek() === '(') this.fail('$((...)) (arithmetic expansion) is not supported', line);
    const command = this.readUntil(')', '$(', line);
    return this.substituteCommand(command, `$(${command})`, line);
  }

  private readBackquoted(): string {
    const line = this.line;
    this.advance();
    const command = this.readUntil('`', '`', line);
    return this.substituteCommand(command, `\`${command}\``, line);
  }

  /** The raw text up to `end`, which is consumed; the text is only compared, never run. */
  private readUntil(end: string, opener: string, line: number): string {
    const close = this.text.indexOf(end, this.pos);
    if (close === -1) this.fail(`unterminated ${opener}`, line);
    const content = this.text.slice(this.pos, close);
    while (this.pos <= close) this.advance();
    return content;
  }

  private substituteCommand(command: string, written: string, line: number): string {
    if (!PROC_CMDLINE_COMMAND.test(command)) {
      this.fail(`${written}: command substitution is not supported, except $(cat /proc/cmdline)`, line);
    }
    const cmdline = this.context.readProcCmdline();
    if (cmdline === undefined) this.fail(`${written}: /proc/cmdline cannot be read`, line);
    // Like sh command substitution: trailing newlines are dropped.
    return cmdline.replace(/\n+$/, '');
  }

  /** Unset variables expand to '', as in sh without `set -u`. */
  private lookup(name: string): string {
    return this.variables.get(name) ?? '';
  }
}
