/**
 * Label matchers in the Prometheus / Alertmanager syntax: `{severity="critical",team=~"db|infra"}`.
 * The grammar is `@livegate/protocol`'s (shared with the SDK and the dashboard); this file is the
 * engine that evaluates it.
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

import {
  MAX_REGEX_LENGTH,
  MatcherSyntaxError,
  cut,
  parseMatcherTerms,
  quoteValue as quote,
  show,
  type MatchOp,
} from '@livegate/protocol';

export {
  MAX_MATCHER_INPUT_LENGTH,
  MAX_MATCHERS,
  MAX_REGEX_LENGTH,
  MatcherSyntaxError,
  formatMatchers,
  type MatchOp,
} from '@livegate/protocol';

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

/**
 * Parses a matcher set such as `{severity="critical",team=~"db|infra",env!="dev"}` (grammar:
 * `parseMatcherTerms` in `@livegate/protocol`) and compiles every term.
 *
 * @throws {MatcherSyntaxError} naming the problem and its position.
 */
export function parseMatchers(input: string): Matcher[] {
  return parseMatcherTerms(input, (term) => compiler.build(term.name, term.op, term.value, term.valueAt));
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

function matchAll(): boolean {
  return true;
}

// Inherited members of a plain object (`constructor`, `toString`…) are functions, not strings, so
// the typeof check both handles missing labels and keeps a label named `constructor` honest.
function labelValue(labels: Readonly<Record<string, string>>, name: string): string {
  const v = labels[name];
  return typeof v === 'string' ? v : '';
}

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

/** Compiles parsed terms; stateless. */
class Compiler {
  build(name: string, op: MatchOp, value: string, valueAt: number): Matcher {
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
}

const compiler = new Compiler();

// V8 says "Invalid regular expression: /(/s: Unterminated group"; our message already names the
// pattern, and the flags are ours, so only the reason after the last colon is kept.
function regexReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const colon = message.lastIndexOf(': ');
  return colon >= 0 ? message.slice(colon + 2) : message;
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
