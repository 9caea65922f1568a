/**
 * The label-matcher syntax of Prometheus and Alertmanager: `{severity="critical",team=~"db|infra"}`.
 *
 * This is the grammar only: it turns text into `name op value` terms with positions, and formats
 * terms back into canonical text. The server, the SDK and the dashboard all read filters with it,
 * so a filter the dashboard accepts is one the server accepts. Evaluating terms (literal compare,
 * the regex engine and its limits) is the server's job: `src/core/matchers.ts` passes a `build`
 * callback that compiles each term as it is read.
 */

import { LABEL_NAME_RULE, isValidLabelName } from './names.js';

/** Matcher operators: equal, not equal, regex match, regex non-match. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One parsed `name op "value"` term. */
export interface MatcherTerm {
  /** Label the matcher looks at. */
  readonly name: string;
  /** How the label's value is compared with {@link value}. */
  readonly op: MatchOp;
  /** The literal to compare with, or the regex source (unanchored, as written) for `=~`/`!~`. */
  readonly value: string;
}

/** A term with where its value starts in the input (0-based), for error positions. */
export interface ParsedTerm extends MatcherTerm {
  readonly valueAt: number;
}

/** Longest accepted matcher text. */
export const MAX_MATCHER_INPUT_LENGTH = 4096;

/** Most matchers in one set. */
export const MAX_MATCHERS = 64;

/** Longest accepted regex source in a `=~` or `!~` matcher. */
export const MAX_REGEX_LENGTH = 1024;

/** A matcher text that could not be parsed. */
export class MatcherSyntaxError extends Error {
  override readonly name = 'MatcherSyntaxError';

  /**
   * @param message what is wrong, including where.
   * @param position 0-based offset into the input where the problem starts.
   * @param part the offending text, cut short.
   * @param options `cause` when wrapping a `RegExp` error.
   */
  constructor(
    message: string,
    readonly position: number,
    readonly part: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Parses a matcher set such as `{severity="critical",team=~"db|infra",env!="dev"}`.
 *
 * Braces are optional (`severity="critical"` works, as in amtool); whitespace may separate any
 * tokens; a trailing comma is allowed; `{}` and blank input give an empty set, which matches
 * everything. Values are double-quoted, single-quoted (both with the escapes `\"`, `\'`, `\\`,
 * `\n`, `\t`, `\r`) or bare words of `[A-Za-z0-9_.:/-]`.
 *
 * @param build turns each term into the caller's matcher as soon as it is read (so its errors
 *   come in input order with the syntax errors); defaults to returning the term.
 * @throws {MatcherSyntaxError} naming the problem and its position.
 */
export function parseMatcherTerms(input: string): ParsedTerm[];
export function parseMatcherTerms<M>(input: string, build: (term: ParsedTerm) => M): M[];
export function parseMatcherTerms<M>(input: string, build?: (term: ParsedTerm) => M): (M | ParsedTerm)[] {
  if (typeof input !== 'string') {
    throw new TypeError(`matchers must be a string, got ${input === null ? 'null' : typeof input}`);
  }
  return new Parser<M | ParsedTerm>(input, build ?? ((term) => term)).parse();
}

/**
 * Formats matchers in canonical form: braces, no spaces, every value double-quoted with `"`, `\`,
 * newline, tab and carriage return escaped. {@link parseMatchers} reads it back unchanged.
 */
export function formatMatchers(matchers: readonly MatcherTerm[]): string {
  let out = '{';
  for (let i = 0; i < matchers.length; i++) {
    const m = matchers[i]!;
    if (i > 0) out += ',';
    out += m.name + m.op + quoteValue(m.value);
  }
  return `${out}}`;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
};

/** A value double-quoted with `"`, `\\`, newline, tab and carriage return escaped. */
export function quoteValue(value: string): string {
  return `"${value.replace(/[\\"\n\t\r]/g, (ch) => ESCAPES[ch]!)}"`;
}

const UNESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  n: '\n',
  t: '\t',
  r: '\r',
};

function isSpace(code: number): boolean {
  // space, tab, newline, carriage return
  return code === 32 || code === 9 || code === 10 || code === 13;
}

// Characters that end a label name token. Reading up to one of these (rather than only over
// `[a-zA-Z0-9_]`) lets `1abc` and `foo-bar` be reported as bad names, not as a missing operator.
const NAME_STOP = new Set([' ', '\t', '\n', '\r', '=', '!', '~', ',', '{', '}', '"', "'"]);

const BARE_VALUE_CHAR = /[A-Za-z0-9_.:/-]/;

class Parser<M> {
  private pos = 0;

  constructor(
    private readonly input: string,
    private readonly build: (term: ParsedTerm) => M,
  ) {}

  parse(): M[] {
    const input = this.input;
    if (input.length > MAX_MATCHER_INPUT_LENGTH) {
      throw new MatcherSyntaxError(
        `matcher text is ${input.length} chars; max ${MAX_MATCHER_INPUT_LENGTH}`,
        MAX_MATCHER_INPUT_LENGTH,
        excerpt(input, MAX_MATCHER_INPUT_LENGTH),
      );
    }
    this.skipSpace();
    const openAt = input[this.pos] === '{' ? this.pos : -1;
    if (openAt >= 0) {
      this.pos++;
      this.skipSpace();
    }
    const matchers: M[] = [];
    for (;;) {
      if (this.pos >= input.length) {
        if (openAt >= 0) {
          throw new MatcherSyntaxError(
            `missing '}' to close the '{' at position ${openAt}`,
            input.length,
            excerpt(input, openAt),
          );
        }
        return matchers;
      }
      if (openAt >= 0 && input[this.pos] === '}') {
        this.pos++;
        this.skipSpace();
        if (this.pos < input.length) {
          throw new MatcherSyntaxError(
            `unexpected ${describeChar(input, this.pos)} after '}' at position ${this.pos}`,
            this.pos,
            excerpt(input, this.pos),
          );
        }
        return matchers;
      }
      if (matchers.length === MAX_MATCHERS) {
        throw new MatcherSyntaxError(
          `too many matchers: max ${MAX_MATCHERS} (the next one starts at position ${this.pos})`,
          this.pos,
          excerpt(input, this.pos),
        );
      }
      matchers.push(this.parseMatcher());
      this.skipSpace();
      if (this.pos >= input.length) continue;
      const next = input[this.pos];
      if (next === ',') {
        this.pos++;
        this.skipSpace();
        continue;
      }
      if (next === '}' && openAt >= 0) continue;
      if (next === '}') {
        throw new MatcherSyntaxError(`unexpected '}' at position ${this.pos}: there is no '{' to close`, this.pos, '}');
      }
      throw new MatcherSyntaxError(
        `expected ',' ${openAt >= 0 ? "or '}' " : ''}after a matcher at position ${this.pos}, found ${describeChar(input, this.pos)}`,
        this.pos,
        excerpt(input, this.pos),
      );
    }
  }

  private parseMatcher(): M {
    const input = this.input;
    const nameAt = this.pos;
    while (this.pos < input.length && !NAME_STOP.has(input[this.pos]!)) this.pos++;
    const name = input.slice(nameAt, this.pos);
    if (name === '') {
      throw new MatcherSyntaxError(
        `expected a label name at position ${nameAt}, found ${describeChar(input, nameAt)}`,
        nameAt,
        excerpt(input, nameAt),
      );
    }
    if (!isValidLabelName(name)) {
      throw new MatcherSyntaxError(
        `invalid label name ${show(name)} at position ${nameAt}: ${LABEL_NAME_RULE}`,
        nameAt,
        cut(name),
      );
    }
    this.skipSpace();
    const op = this.parseOp(name);
    this.skipSpace();
    const valueAt = this.pos;
    const value = this.parseValue(name, op);
    return this.build({ name, op, value, valueAt });
  }

  private parseOp(name: string): MatchOp {
    const input = this.input;
    const at = this.pos;
    const c = input[at];
    const d = input[at + 1];
    let op: MatchOp | null = null;
    if (c === '=') op = d === '~' ? '=~' : '=';
    else if (c === '!' && d === '=') op = '!=';
    else if (c === '!' && d === '~') op = '!~';
    if (op === null) {
      throw new MatcherSyntaxError(
        `expected '=', '!=', '=~' or '!~' after label name ${show(name)} at position ${at}, found ${describeChar(input, at)}`,
        at,
        excerpt(input, at),
      );
    }
    this.pos += op.length;
    return op;
  }

  private parseValue(name: string, op: MatchOp): string {
    const input = this.input;
    const at = this.pos;
    const c = input[at];
    if (c === '"' || c === "'") return this.parseQuoted(c);
    while (this.pos < input.length && BARE_VALUE_CHAR.test(input[this.pos]!)) this.pos++;
    if (this.pos === at) {
      throw new MatcherSyntaxError(
        `expected a value for label ${show(name)} after '${op}' at position ${at}, found ${describeChar(input, at)} (write "" for an empty value)`,
        at,
        excerpt(input, at),
      );
    }
    const stop = input[this.pos];
    if (stop !== undefined && stop !== ',' && stop !== '}' && !isSpace(stop.charCodeAt(0))) {
      throw new MatcherSyntaxError(
        `unexpected ${describeChar(input, this.pos)} in the unquoted value of label ${show(name)} at position ${this.pos}; quote the value`,
        this.pos,
        excerpt(input, this.pos),
      );
    }
    return input.slice(at, this.pos);
  }

  private parseQuoted(quoteChar: string): string {
    const input = this.input;
    const start = this.pos;
    let out = '';
    let segment = ++this.pos;
    for (;;) {
      if (this.pos >= input.length) {
        throw new MatcherSyntaxError(`unterminated string starting at position ${start}`, start, excerpt(input, start));
      }
      const c = input[this.pos];
      if (c === quoteChar) {
        out += input.slice(segment, this.pos);
        this.pos++;
        return out;
      }
      if (c !== '\\') {
        this.pos++;
        continue;
      }
      out += input.slice(segment, this.pos);
      const escaped = input[this.pos + 1];
      if (escaped === undefined) {
        throw new MatcherSyntaxError(`unterminated string starting at position ${start}`, start, excerpt(input, start));
      }
      const replacement = UNESCAPES[escaped];
      if (replacement === undefined) {
        throw new MatcherSyntaxError(
          `invalid escape sequence ${describeEscape(escaped)} at position ${this.pos}; ` +
            `allowed are \\" \\' \\\\ \\n \\t \\r (write \\\\ for a backslash in a regex)`,
          this.pos,
          `\\${escaped}`,
        );
      }
      out += replacement;
      this.pos += 2;
      segment = this.pos;
    }
  }

  private skipSpace(): void {
    const input = this.input;
    while (this.pos < input.length && isSpace(input.charCodeAt(this.pos))) this.pos++;
  }
}

function describeEscape(escaped: string): string {
  return escaped >= ' ' && escaped <= '~' ? `'\\${escaped}'` : `'\\' followed by ${JSON.stringify(escaped)}`;
}

function describeChar(input: string, at: number): string {
  const c = input[at];
  return c === undefined ? 'end of input' : JSON.stringify(c);
}

const PART_LENGTH = 24;

/** The offending text of an error, cut short. */
export function cut(s: string): string {
  return s.length > PART_LENGTH ? s.slice(0, PART_LENGTH) : s;
}

function excerpt(input: string, at: number): string {
  return input.slice(at, at + PART_LENGTH);
}

/** Quotes a value for an error message: JSON (one line), cut to 64 chars. */
// Values in messages may be long or hold control characters: JSON quoting keeps the message on
// one line, the cut keeps it short.
export function show(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}
