/**
 * Regular expressions with Prometheus' semantics on RE2 (the `re2js` port): fully anchored, RE2
 * syntax (no backreferences, no lookaround), `.` matches a newline, and matching time linear in
 * the input whatever the pattern. A pattern JavaScript's backtracking engine took 40 s on
 * (`(.|.)*#` against a 29-character pod name) takes microseconds here.
 *
 * Linear is not free: RE2's cost is about (program instructions × input length) when its DFA
 * cannot be used. So each compiled regex reports its {@link FullMatchRegex.weight} (instructions)
 * and the filter layer budgets them (see `MatcherBudget` in `filter.ts`), and two things keep the
 * per-event work proportional to *distinct* patterns rather than to subscribers:
 *
 * - compiled regexes are shared: one program (and one DFA state cache) per label name and pattern,
 *   kept in a bounded cache;
 * - each remembers its last input and answer, so the thousand subscriptions that share
 *   `pod=~"checkout-.+-[a-z0-9]{5}"` evaluate it once per event, not a thousand times.
 */

import { RE2JS, RE2JSException } from 're2js';

/** A pattern RE2 cannot compile; `reason` is RE2's own words (`missing closing )`, `invalid escape sequence`). */
export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError';

  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

/** A compiled, fully anchored regex. */
export interface FullMatchRegex {
  /** The pattern as written (unanchored). */
  readonly source: string;
  /** Instructions of the RE2 program: the per-character cost in the worst case. */
  readonly weight: number;
  /** Whether the whole of `value` matches. */
  test(value: string): boolean;
}

/**
 * Memory the lazy DFA of one regex may use before it falls back to RE2's NFA. re2js defaults to
 * 8 MiB per regex, which thousands of distinct patterns would turn into gigabytes, and a pattern
 * whose DFA explodes (`(a|b)*a(a|b){19}x`) spends more time building states than the NFA needs:
 * at 16 KiB the worst case measured here (one connection at its full budget, 1,024-char values) ran
 * 20–40× faster than at 1 MiB, with simple patterns as fast as before (docs/operations.md, _Bounds_).
 */
export const DFA_MEMORY_BYTES = 16 * 1024;

// re2js' own limits for its backtracker (Backtracker.shouldBacktrack / maxBitStateLen).
const BACKTRACK_MAX_PROGRAM = 500;
const BACKTRACK_MAX_BITS = 256 * 1024;

/** Distinct compiled regexes kept for sharing; holders keep theirs when an entry is evicted. */
export const REGEX_CACHE_SIZE = 4096;

const cache = new Map<string, CompiledRegex>();

/**
 * Compiles `source` with Prometheus' semantics (`^(?s:…)$`), or returns the shared instance
 * compiled before under the same `scope` (a label name: a per-scope instance keeps the one-entry
 * memo from thrashing between labels).
 *
 * @throws {RegexSyntaxError} when RE2 refuses the pattern.
 */
export function compileFullMatch(source: string, scope = ''): FullMatchRegex {
  const key = `${scope}\u0000${source}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    // Re-inserting moves the entry to the back: eviction takes the least recently compiled.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const compiled = new CompiledRegex(source, compileRe2(source));
  cache.set(key, compiled);
  if (cache.size > REGEX_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return compiled;
}

/** Empties the shared cache (tests). */
export function clearRegexCache(): void {
  cache.clear();
}

class CompiledRegex implements FullMatchRegex {
  readonly weight: number;
  private lastValue: string | undefined = undefined;
  private lastResult = false;

  constructor(
    readonly source: string,
    private readonly re: RE2JS,
  ) {
    this.weight = programSize(re);
  }

  test(value: string): boolean {
    if (value === this.lastValue) return this.lastResult;
    // RE2's bit-state backtracker visits each (instruction, position) at most once and builds
    // nothing, so its cost is the budgeted weight × length exactly. The DFA is faster on simple
    // patterns but builds a state per new character on patterns whose DFA explodes
    // (`(a|b)*a(a|b){19}x`: 10–40× slower than the backtracker, measured). Where the backtracker's
    // bitmap would be too large, the DFA runs (falling back to the NFA past its memory).
    const result =
      this.weight <= BACKTRACK_MAX_PROGRAM && this.weight * (value.length + 1) <= BACKTRACK_MAX_BITS
        ? this.re.matcher(value).matches()
        : this.re.testExact(value);
    this.lastValue = value;
    this.lastResult = result;
    return result;
  }
}

function compileRe2(source: string): RE2JS {
  let re: RE2JS;
  try {
    // DOTALL: `.` matches a newline, as in Prometheus (`(?s:…)`). The pattern is compiled alone,
    // never spliced into `^(?:…)$`, so `a)|(b` is a syntax error rather than an unanchored match;
    // testExact anchors both ends.
    re = RE2JS.compile(source, RE2JS.DOTALL);
  } catch (err) {
    if (err instanceof RE2JSException) throw new RegexSyntaxError(reasonOf(err), { cause: err });
    throw err;
  }
  limitDfaMemory(re);
  return re;
}

// re2js exposes no option for the DFA budget; the lazy DFA is built by the `dfa` getter of its RE2
// object. The shape relied on is pinned by the exact re2js version in package.json and checked by
// test/unit/core/regex.test.ts, so an upgrade that changes it fails there, not silently.
interface Re2Internals {
  re2Input?: { dfa?: { stateBudget?: number; memBudget?: number }; prog?: { numInst?: () => number } };
}

function limitDfaMemory(re: RE2JS): void {
  const dfa = (re as unknown as Re2Internals).re2Input?.dfa;
  if (dfa !== undefined && typeof dfa.memBudget === 'number' && typeof dfa.stateBudget === 'number') {
    dfa.stateBudget = DFA_MEMORY_BYTES;
    dfa.memBudget = DFA_MEMORY_BYTES;
  }
}

function programSize(re: RE2JS): number {
  const numInst = (re as unknown as Re2Internals).re2Input?.prog?.numInst;
  const prog = (re as unknown as Re2Internals).re2Input?.prog;
  // Fallback: a program has about two instructions per pattern character.
  return typeof numInst === 'function' ? numInst.call(prog) : re.pattern().length * 2;
}

// re2js says "error parsing regexp: missing closing ): `(?s)(a`", where `(?s)` is the DOTALL flag
// it prepends; the reason and the offending part are kept, the flag is not ours to show.
function reasonOf(err: Error): string {
  return err.message.replace(/^error parsing regexp:\s*/, '').replace('`(?s)', '`');
}
