/**
 * Label matchers in the Prometheus / Alertmanager syntax: `{severity="critical",team=~"db|infra"}`.
 *
 * Parsing happens once, when a subscription is made; matching happens for every event and every
 * subscriber, so everything that can be decided at parse time is decided there: regexes are
 * compiled, and common shapes (literal alternations, `.*`, `prefix.*`) skip the regex engine.
 *
 * Semantics follow Prometheus: a missing label counts as the empty string, regexes are fully
 * anchored and `.` matches a newline. Regexes run on JavaScript's engine, not RE2: the syntax is
 * close but not identical, and a pathological pattern can backtrack (the length limits bound the
 * input, not the work). A leading `(?i)`, common in Grafana and Alertmanager silences, is honoured
 * as the `i` flag since Node 20 has no inline modifiers.
 */

import { LABEL_NAME_RULE, isValidLabelName } from './names.js';

/** Matcher operators: equal, not equal, regex match, regex non-match. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One parsed `name op "value"` term. */
export interface Matcher {
  /** Label the matcher looks at. */
  readonly name: string;
  /** How the label's value is compared with {@link value}. */
  readonly op: MatchOp;
  /** The literal to compare with, or the regex source (unanchored, as written) for `=~`/`!~`. */
  readonly value: string;
  /** Whether a label value passes; pass `''` for a missing label, as Prometheus does. */
  test(value: string): boolean;
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
 * @throws {MatcherSyntaxError} naming the problem and its position.
 */
export function parseMatchers(input: string): Matcher[] {
  if (typeof input !== 'string') {
    throw new TypeError(`matchers must be a string, got ${input === null ? 'null' : typeof input}`);
  }
  return new Parser(input).parse();
}

/**
 * Compiles matchers into one predicate that holds when every matcher holds (an empty list always
 * holds). The list is copied, so later changes to the array do not affect the predicate.
 */
export function compileMatchers(matchers: readonly Matcher[]): (labels: Readonly<Record<string, string>>) => boolean {
  const list = matchers.slice();
  const count = list.length;
  if (count === 0) return matchAll;
  if (count === 1) {
    const only = list[0]!;
    const name = only.name;
    return (labels) => only.test(labelValue(labels, name));
  }
  return (labels) => {
    for (let i = 0; i < count; i++) {
      const matcher = list[i]!;
      if (!matcher.test(labelValue(labels, matcher.name))) return false;
    }
    return true;
  };
}

/**
 * Formats matchers in canonical form: braces, no spaces, every value double-quoted with `"`, `\`,
 * newline, tab and carriage return escaped. {@link parseMatchers} reads it back unchanged.
 */
export function formatMatchers(matchers: readonly Matcher[]): string {
  let out = '{';
  for (let i = 0; i < matchers.length; i++) {
    const m = matchers[i]!;
    if (i > 0) out += ',';
    out += m.name + m.op + quote(m.value);
  }
  return `${out}}`;
}

function matchAll(): boolean {
  return true;
}

// Inherited members of a plain object (`constructor`, `toString`…) are functions, not strings, so
// the typeof check both handles missing labels and keeps a label named `constructor` honest.
function labelValue(labels: Readonly<Record<string, string>>, name: string): string {
  const v = labels[name];
  return typeof v === 'string' ? v : '';
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
};

function quote(value: string): string {
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

class LabelMatcher implements Matcher {
  constructor(
    readonly name: string,
    readonly op: MatchOp,
    readonly value: string,
    private readonly matches: (value: string) => boolean,
    private readonly negate: boolean,
  ) {}

  test(value: string): boolean {
    return this.matches(value) !== this.negate;
  }

  toString(): string {
    return this.name + this.op + quote(this.value);
  }
}

// The shapes dashboards use most (`db|infra`, `prod-.*`, `.*disk.*`) are answered with a Set or
// a string method; anything else goes to the regex engine. "Plain" means no regex metacharacter.
const LITERAL_ALTERNATION = /^[^\\^$.|?*+()[\]{}]*(?:\|[^\\^$.|?*+()[\]{}]*)*$/;
const PLAIN_PREFIX = /^([^\\^$.|?*+()[\]{}]+)\.\*$/;
const PLAIN_SUFFIX = /^\.\*([^\\^$.|?*+()[\]{}]+)$/;
const PLAIN_INFIX = /^\.\*([^\\^$.|?*+()[\]{}]+)\.\*$/;

function literalMatcher(expected: string): (value: string) => boolean {
  return (value) => value === expected;
}

function nonEmpty(value: string): boolean {
  return value.length > 0;
}

function isSpace(code: number): boolean {
  // space, tab, newline, carriage return
  return code === 32 || code === 9 || code === 10 || code === 13;
}

// Characters that end a label name token. Reading up to one of these (rather than only over
// `[a-zA-Z0-9_]`) lets `1abc` and `foo-bar` be reported as bad names, not as a missing operator.
const NAME_STOP = new Set([' ', '\t', '\n', '\r', '=', '!', '~', ',', '{', '}', '"', "'"]);

const BARE_VALUE_CHAR = /[A-Za-z0-9_.:/-]/;

class Parser {
  private pos = 0;

  constructor(private readonly input: string) {}

  parse(): Matcher[] {
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
    const matchers: Matcher[] = [];
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

  private parseMatcher(): Matcher {
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
    return this.build(name, op, value, valueAt);
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

  private build(name: string, op: MatchOp, value: string, valueAt: number): Matcher {
    const negate = op === '!=' || op === '!~';
    if (op === '=' || op === '!=') {
      return new LabelMatcher(name, op, value, literalMatcher(value), negate);
    }
    if (value.length > MAX_REGEX_LENGTH) {
      throw new MatcherSyntaxError(
        `regular expression for label ${show(name)} is ${value.length} chars; max ${MAX_REGEX_LENGTH}`,
        valueAt,
        cut(value),
      );
    }
    return new LabelMatcher(name, op, value, this.compileRegex(name, value, valueAt), negate);
  }

  private compileRegex(name: string, source: string, valueAt: number): (value: string) => boolean {
    if (source === '.*') return matchAll;
    if (source === '.+') return nonEmpty;
    if (LITERAL_ALTERNATION.test(source)) {
      if (!source.includes('|')) return literalMatcher(source);
      const alternatives = new Set(source.split('|'));
      return (value) => alternatives.has(value);
    }
    const prefix = PLAIN_PREFIX.exec(source)?.[1];
    if (prefix !== undefined) return (value) => value.startsWith(prefix);
    const suffix = PLAIN_SUFFIX.exec(source)?.[1];
    if (suffix !== undefined) return (value) => value.endsWith(suffix);
    const infix = PLAIN_INFIX.exec(source)?.[1];
    if (infix !== undefined) return (value) => value.includes(infix);
    const caseless = source.startsWith('(?i)');
    const body = caseless ? source.slice(4) : source;
    const flags = caseless ? 'si' : 's';
    let regex: RegExp;
    try {
      // Compiling the body alone first rejects sources like `a)|(b` that would otherwise escape
      // the anchoring group below and match unanchored.
      regex = new RegExp(body, flags);
      regex = new RegExp(`^(?:${body})$`, flags);
    } catch (err) {
      throw new MatcherSyntaxError(
        `invalid regular expression ${show(source)} for label ${show(name)}: ${regexReason(err)}`,
        valueAt,
        cut(source),
        { cause: err },
      );
    }
    const risky = backtrackingRisk(body);
    if (risky !== null) {
      throw new MatcherSyntaxError(
        `regular expression ${show(source)} for label ${show(name)} is refused: ${risky}`,
        valueAt,
        cut(source),
      );
    }
    return (value) => regex.test(value);
  }

  private skipSpace(): void {
    const input = this.input;
    while (this.pos < input.length && isSpace(input.charCodeAt(this.pos))) this.pos++;
  }
}

// V8 says "Invalid regular expression: /(/s: Unterminated group"; our message already names the
// pattern, and the flags are ours, so only the reason after the last colon is kept.
function regexReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const colon = message.lastIndexOf(': ');
  return colon >= 0 ? message.slice(colon + 2) : message;
}

function describeEscape(escaped: string): string {
  return escaped >= ' ' && escaped <= '~' ? `'\\${escaped}'` : `'\\' followed by ${JSON.stringify(escaped)}`;
}

function describeChar(input: string, at: number): string {
  const c = input[at];
  return c === undefined ? 'end of input' : JSON.stringify(c);
}

const PART_LENGTH = 24;

function cut(s: string): string {
  return s.length > PART_LENGTH ? s.slice(0, PART_LENGTH) : s;
}

function excerpt(input: string, at: number): string {
  return input.slice(at, at + PART_LENGTH);
}

// Values in messages may be long or hold control characters: JSON quoting keeps the message on
// one line, the cut keeps it short.
function show(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

/**
 * Why a regex could take exponential time on JavaScript's backtracking engine, or `null`.
 * Prometheus uses RE2, which has no backreferences or lookaround and runs in linear time; refusing
 * those features and quantified groups that themselves contain a quantifier (`(a+)+`, `(x*y)*`)
 * keeps every pattern Prometheus users write while closing the classic catastrophic cases.
 */
export function backtrackingRisk(source: string): string | null {
  // Per open group: whether it contains a quantifier so far.
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) return 'backreferences are not supported (RE2 syntax)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      if (
        source.startsWith('(?=', i) ||
        source.startsWith('(?!', i) ||
        source.startsWith('(?<=', i) ||
        source.startsWith('(?<!', i)
      ) {
        return 'lookaround is not supported (RE2 syntax)';
      }
      stack.push(false);
      continue;
    }
    if (c === ')') {
      const lastGroupHadQuantifier = stack.pop() ?? false;
      if (lastGroupHadQuantifier && stack.length > 0) stack[stack.length - 1] = true;
      const next = source[i + 1];
      if (
        lastGroupHadQuantifier &&
        (next === '*' || next === '+' || (next === '{' && /^\{\d*,\d*\}|^\{\d{2,}\}/.test(source.slice(i + 1))))
      ) {
        return 'a repeated group that itself repeats (like (a+)+) can take exponential time';
      }
      continue;
    }
    if (c === '*' || c === '+' || c === '{') {
      if (stack.length > 0) stack[stack.length - 1] = true;
    }
  }
  return null;
}
