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
 * anchored, use RE2 syntax (`(?i)` and the other inline flags included) and `.` matches a newline.
 * They run on RE2 (`regex.ts`), in time linear in the label value whatever the pattern; each
 * matcher reports its {@link Matcher.cost} so that filters can be budgeted.
 */

import { RegexSyntaxError, compileFullMatch } from './regex.js';
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
  /**
   * Worst-case work of one {@link test}, per character of the value: 1 for a literal or a shape
   * answered without the regex engine, the RE2 program's instruction count otherwise.
   */
  readonly cost: number;
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
    readonly cost: number,
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
      return new LabelMatcher(name, op, value, literalMatcher(value), negate, 1);
    }
    if (value.length > MAX_REGEX_LENGTH) {
      throw new MatcherSyntaxError(
        `regular expression for label ${show(name)} is ${value.length} chars; max ${MAX_REGEX_LENGTH}`,
        valueAt,
        cut(value),
      );
    }
    const fast = fastPath(value);
    if (fast !== null) return new LabelMatcher(name, op, value, fast, negate, 1);
    let regex;
    try {
      regex = compileFullMatch(value, name);
    } catch (err) {
      if (!(err instanceof RegexSyntaxError)) throw err;
      throw new MatcherSyntaxError(
        `invalid regular expression ${show(value)} for label ${show(name)}: ${err.reason} (RE2 syntax)`,
        valueAt,
        cut(value),
        { cause: err },
      );
    }
    return new LabelMatcher(name, op, value, (v) => regex.test(v), negate, regex.weight);
  }
}

/**
 * The shapes dashboards use most, answered with a Set or a string method instead of RE2 (which is
 * slower to start than a `startsWith`); `null` for anything else.
 */
function fastPath(source: string): ((value: string) => boolean) | null {
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
  return null;
}

const compiler = new Compiler();
