/**
 * A subscription's filter, compiled once when the subscription is made and then run for every
 * event the dispatcher considers for it.
 *
 * A filter restricts four things, each optional (an empty or absent list restricts nothing):
 * topics, types and sources by exact name or `prefix*` pattern, and labels by matcher sets. The
 * lists AND together; entries within one list OR together; matchers within one `match` entry AND
 * together, as in Prometheus.
 *
 * `test` sits on the publish path (per subscriber, per event), so compiling turns every list into
 * a `Set` plus a short prefix array and every matcher set into a predicate, and `test` then only
 * reads them: no allocation, no string building.
 */

import { MatcherSyntaxError, compileMatchers, formatMatchers, parseMatchers, type Matcher } from './matchers.js';
import { SOURCE_RULE, TOPIC_RULE, TYPE_RULE, isValidSource, isValidTopic, isValidType } from '@livegate/protocol';

/** What a subscriber asks for. Every field is optional; absent or empty means "no restriction". */
export interface FilterSpec {
  /** Topics by exact name or prefix pattern (`console.*`); `*` is every topic. Defaults to every topic. */
  topics?: readonly string[];
  /** Event types by exact name or prefix pattern (`alert_*`); `*` is every type. Defaults to every type. */
  types?: readonly string[];
  /** Sources by exact name or prefix pattern (`alertmanager/*`); `*` is every source. Defaults to every source. */
  sources?: readonly string[];
  /**
   * Label matcher sets such as `{severity="critical",team=~"db|infra"}`; an event passes when any
   * one set matches its labels. Defaults to every label set.
   */
  match?: readonly string[];
}

/** The {@link FilterSpec} field a {@link FilterError} is about. */
export type FilterField = 'topics' | 'types' | 'sources' | 'match';

/** Most entries accepted in one list of a {@link FilterSpec}. */
export const MAX_FILTER_ENTRIES = 64;

/** A filter spec that cannot be compiled, or two filters that have nothing in common. */
export class FilterError extends Error {
  override readonly name = 'FilterError';

  /**
   * @param field the spec field at fault.
   * @param index position of the bad entry in that field, or -1 when the problem is the field as
   *   a whole (not an array, or empty once intersected with a forced filter).
   * @param message names the bad value and why it is refused.
   * @param options `cause` holds the {@link MatcherSyntaxError} for a bad `match` entry.
   */
  constructor(
    readonly field: FilterField,
    readonly index: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A validated, precompiled filter. */
export interface CompiledFilter {
  /**
   * The filter as a spec: entries deduplicated, `match` entries in canonical form, and a list
   * holding `*` (or a `match` holding `{}`) reduced to `[]` since it restricts nothing.
   */
  readonly spec: Required<FilterSpec>;
  /** Exact topics, or `null` when every topic passes the topic part. */
  readonly topics: ReadonlySet<string> | null;
  /** Topic prefixes from patterns such as `console.*` (here `console.`); empty when none. */
  readonly topicPrefixes: readonly string[];
  /** Whether an event passes every part of the filter. */
  test(event: { topic: string; type: string; source: string; labels: Readonly<Record<string, string>> }): boolean;
  /** Whether labels pass the `match` part alone; used to cut state snapshots down to a subscriber's view. */
  matchesLabels(labels: Readonly<Record<string, string>>): boolean;
  /** Whether events of `topic` can pass the topic part; used to index subscriptions by topic. */
  coversTopic(topic: string): boolean;
  /**
   * Worst-case matching work per event and label character: the sum of its matchers'
   * {@link Matcher.cost} (a literal costs 1, a regex its RE2 program size). Budgeted per
   * connection and in total by `MatcherBudget`.
   */
  readonly cost: number;
  /**
   * The regex matchers that run on RE2, by `label\u0000pattern` (one shared program each, see
   * `regex.ts`) with their cost; identical ones across subscriptions are one entry in the total.
   */
  readonly regexCosts: ReadonlyMap<string, number>;
  /**
   * Whether every event passes that has one of the filter's exact topics (any topic, when it names
   * none) and, when `label` is given, that label with that value: the filter names no topic
   * prefix, type or source, and no matcher but the one equality `label`. The dispatcher's topic and
   * label index then decide the whole filter and {@link test} can be skipped.
   */
  decidedBy(label: { readonly name: string; readonly value: string } | null): boolean;
}

/**
 * Validates and compiles a filter spec.
 *
 * @throws {FilterError} naming the field, the entry's index and the reason.
 */
export function compileFilter(spec: FilterSpec): CompiledFilter {
  if (typeof spec !== 'object' || spec === null) {
    throw new TypeError(`filter spec must be an object, got ${spec === null ? 'null' : typeof spec}`);
  }
  const topics = compileNames('topics', spec.topics, NAME_KINDS.topics);
  const types = compileNames('types', spec.types, NAME_KINDS.types);
  const sources = compileNames('sources', spec.sources, NAME_KINDS.sources);
  const match = compileMatch(spec.match);
  return new Filter(topics, types, sources, match === null ? [] : [match]);
}

/**
 * The filter that passes exactly the events both `a` and `forced` pass; used to apply the filter
 * a principal is held to on top of what it asks for. Topic, type and source lists intersect
 * (patterns included: `alert*` and `alerts.*` give `alerts.*`); a `forced` with several `match`
 * entries still means any one of them, so its labels part holds when one of its sets does.
 *
 * @throws {FilterError} when topics, types or sources have nothing in common, since such a
 *   subscription could never receive an event; `index` is -1.
 * @throws {TypeError} when either filter was not made by {@link compileFilter} or this function.
 */
export function intersectFilters(a: CompiledFilter, forced: CompiledFilter): CompiledFilter {
  if (!(a instanceof Filter) || !(forced instanceof Filter)) {
    throw new TypeError('intersectFilters takes filters made by compileFilter or intersectFilters');
  }
  return new Filter(
    intersectNames('topics', a.topicPart, forced.topicPart),
    intersectNames('types', a.typePart, forced.typePart),
    intersectNames('sources', a.sourcePart, forced.sourcePart),
    [...a.clauses, ...forced.clauses],
  );
}

/** One of topics/types/sources, compiled. */
interface NamePart {
  /** Exact names, or `null` when every name passes. */
  readonly exact: ReadonlySet<string> | null;
  /** Prefixes (patterns without their `*`), none a prefix of another. */
  readonly prefixes: readonly string[];
  /** The part written back as spec entries. */
  readonly entries: readonly string[];
}

/** Matcher sets of which at least one must hold; a filter ANDs its clauses. */
interface MatchClause {
  readonly sets: readonly (readonly Matcher[])[];
  readonly tests: readonly ((labels: Readonly<Record<string, string>>) => boolean)[];
}

type LabelsOf = Readonly<Record<string, string>>;

interface NameKind {
  readonly noun: string;
  readonly isValid: (s: string) => boolean;
  readonly rule: string;
}

const NAME_KINDS: Readonly<Record<Exclude<FilterField, 'match'>, NameKind>> = {
  topics: { noun: 'topic', isValid: isValidTopic, rule: TOPIC_RULE },
  types: { noun: 'type', isValid: isValidType, rule: TYPE_RULE },
  sources: { noun: 'source', isValid: isValidSource, rule: SOURCE_RULE },
};

const EVERY_NAME: NamePart = Object.freeze({
  exact: null,
  prefixes: Object.freeze([]),
  entries: Object.freeze([]),
});

class Filter implements CompiledFilter {
  readonly topics: ReadonlySet<string> | null;
  readonly topicPrefixes: readonly string[];
  private readonly typeSet: ReadonlySet<string> | null;
  private readonly typePrefixes: readonly string[];
  private readonly sourceSet: ReadonlySet<string> | null;
  private readonly sourcePrefixes: readonly string[];
  // Built on first read: an intersection's `match` spec is a product of its clauses, which only
  // diagnostics and echoing need, never the hot path.
  private specCache: Required<FilterSpec> | null = null;
  readonly cost: number;
  readonly regexCosts: ReadonlyMap<string, number>;

  constructor(
    readonly topicPart: NamePart,
    readonly typePart: NamePart,
    readonly sourcePart: NamePart,
    readonly clauses: readonly MatchClause[],
  ) {
    this.topics = topicPart.exact;
    this.topicPrefixes = topicPart.prefixes;
    this.typeSet = typePart.exact;
    this.typePrefixes = typePart.prefixes;
    this.sourceSet = sourcePart.exact;
    this.sourcePrefixes = sourcePart.prefixes;
    let cost = 0;
    const regexCosts = new Map<string, number>();
    for (const clause of clauses) {
      for (const set of clause.sets) {
        for (const m of set) {
          cost += m.cost;
          if (m.cost > 1) regexCosts.set(`${m.name}\u0000${m.value}`, m.cost);
        }
      }
    }
    this.cost = cost;
    this.regexCosts = regexCosts;
  }

  get spec(): Required<FilterSpec> {
    if (this.specCache === null) {
      this.specCache = Object.freeze({
        topics: this.topicPart.entries,
        types: this.typePart.entries,
        sources: this.sourcePart.entries,
        match: Object.freeze(matchEntries(this.clauses)),
      });
    }
    return this.specCache;
  }

  test(event: { topic: string; type: string; source: string; labels: LabelsOf }): boolean {
    return (
      passes(this.topics, this.topicPrefixes, event.topic) &&
      passes(this.typeSet, this.typePrefixes, event.type) &&
      passes(this.sourceSet, this.sourcePrefixes, event.source) &&
      this.matchesLabels(event.labels)
    );
  }

  matchesLabels(labels: LabelsOf): boolean {
    const clauses = this.clauses;
    for (let i = 0; i < clauses.length; i++) {
      const tests = clauses[i]!.tests;
      let any = false;
      for (let j = 0; j < tests.length; j++) {
        if (tests[j]!(labels)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    return true;
  }

  coversTopic(topic: string): boolean {
    return passes(this.topics, this.topicPrefixes, topic);
  }

  decidedBy(label: { readonly name: string; readonly value: string } | null): boolean {
    if (
      this.topicPrefixes.length > 0 ||
      this.typeSet !== null ||
      this.typePrefixes.length > 0 ||
      this.sourceSet !== null ||
      this.sourcePrefixes.length > 0
    )
      return false;
    if (this.clauses.length === 0) return true;
    if (label === null || this.clauses.length !== 1) return false;
    const sets = this.clauses[0]!.sets;
    if (sets.length !== 1 || sets[0]!.length !== 1) return false;
    const m = sets[0]![0]!;
    return m.op === '=' && m.value !== '' && m.name === label.name && m.value === label.value;
  }
}

function passes(exact: ReadonlySet<string> | null, prefixes: readonly string[], name: string): boolean {
  if (exact === null || exact.has(name)) return true;
  for (let i = 0; i < prefixes.length; i++) {
    if (name.startsWith(prefixes[i]!)) return true;
  }
  return false;
}

function coversName(part: NamePart, name: string): boolean {
  return passes(part.exact, part.prefixes, name);
}

function checkList(field: FilterField, list: unknown): readonly unknown[] {
  if (!Array.isArray(list)) {
    throw new FilterError(field, -1, `${field} must be an array of strings, got ${describeType(list)}`);
  }
  if (list.length > MAX_FILTER_ENTRIES) {
    throw new FilterError(field, MAX_FILTER_ENTRIES, `${field} has ${list.length} entries; max ${MAX_FILTER_ENTRIES}`);
  }
  return list;
}

function checkString(field: FilterField, index: number, entry: unknown): string {
  if (typeof entry !== 'string') {
    throw new FilterError(field, index, `${field}[${index}] must be a string, got ${describeType(entry)}`);
  }
  return entry;
}

function compileNames(
  field: Exclude<FilterField, 'match'>,
  list: readonly string[] | undefined,
  kind: NameKind,
): NamePart {
  if (list === undefined) return EVERY_NAME;
  const entries = checkList(field, list);
  let everything = false;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const seen = new Set<string>();
  const normalized: string[] = [];
  // Every entry is validated even after a `*`, so a typo is reported rather than hidden by it.
  for (let i = 0; i < entries.length; i++) {
    const entry = checkString(field, i, entries[i]);
    const at = `${field}[${i}] ${show(entry)}`;
    if (entry === '*') {
      everything = true;
    } else if (entry.endsWith('*')) {
      const prefix = entry.slice(0, -1);
      if (prefix.includes('*')) {
        throw new FilterError(field, i, `${at} is not a valid ${kind.noun} pattern: '*' may only end it`);
      }
      if (!kind.isValid(prefix)) {
        throw new FilterError(
          field,
          i,
          `${at} is not a valid ${kind.noun} pattern: the part before '*' must be ${kind.rule}`,
        );
      }
      prefixes.push(prefix);
    } else {
      if (!kind.isValid(entry)) {
        const why = entry.includes('*') ? "'*' may only end a pattern" : kind.rule;
        throw new FilterError(field, i, `${at} is not a valid ${kind.noun}: ${why}`);
      }
      exact.add(entry);
    }
    if (!seen.has(entry)) {
      seen.add(entry);
      normalized.push(entry);
    }
  }
  if (everything || entries.length === 0) return EVERY_NAME;
  return Object.freeze({
    exact,
    prefixes: Object.freeze(minimalPrefixes(prefixes)),
    entries: Object.freeze(normalized),
  });
}

// `console.*` already covers `console.logs.*`; dropping the longer one keeps the hot-path loop
// short.
function minimalPrefixes(prefixes: readonly string[]): string[] {
  const sorted = [...new Set(prefixes)].sort((x, y) => x.length - y.length);
  const kept: string[] = [];
  for (const p of sorted) {
    if (!kept.some((k) => p.startsWith(k))) kept.push(p);
  }
  return kept;
}

function compileMatch(list: readonly string[] | undefined): MatchClause | null {
  if (list === undefined) return null;
  const entries = checkList('match', list);
  const sets: Matcher[][] = [];
  const seen = new Set<string>();
  let everything = false;
  for (let i = 0; i < entries.length; i++) {
    const entry = checkString('match', i, entries[i]);
    let matchers: Matcher[];
    try {
      matchers = parseMatchers(entry);
    } catch (err) {
      if (!(err instanceof MatcherSyntaxError)) throw err;
      // The entry itself is not repeated: it can be 4 KiB, and index plus position locate it.
      throw new FilterError('match', i, `match[${i}] is not a valid matcher set: ${err.message}`, {
        cause: err,
      });
    }
    if (matchers.length === 0) everything = true;
    const canonical = formatMatchers(matchers);
    if (!seen.has(canonical)) {
      seen.add(canonical);
      sets.push(matchers);
    }
  }
  if (everything || sets.length === 0) return null;
  return Object.freeze({ sets, tests: sets.map((set) => compileMatchers(set)) });
}

function intersectNames(field: Exclude<FilterField, 'match'>, a: NamePart, b: NamePart): NamePart {
  if (a.exact === null) return b;
  if (b.exact === null) return a;
  const exact = new Set<string>();
  for (const name of a.exact) if (coversName(b, name)) exact.add(name);
  for (const name of b.exact) if (coversName(a, name)) exact.add(name);
  const prefixes: string[] = [];
  for (const p of a.prefixes) {
    for (const q of b.prefixes) {
      if (p.startsWith(q)) prefixes.push(p);
      else if (q.startsWith(p)) prefixes.push(q);
    }
  }
  const minimal = minimalPrefixes(prefixes);
  if (exact.size === 0 && minimal.length === 0) {
    throw new FilterError(
      field,
      -1,
      `no ${NAME_KINDS[field].noun} passes both ${field} ${JSON.stringify(a.entries)} and the enforced ${field} ${JSON.stringify(b.entries)}`,
    );
  }
  return Object.freeze({
    exact,
    prefixes: Object.freeze(minimal),
    entries: Object.freeze([...exact, ...minimal.map((p) => `${p}*`)]),
  });
}

// (a1 ∨ a2) ∧ (f1) is written back as the sets a1∧f1, a2∧f1: one spec entry per combination.
function matchEntries(clauses: readonly MatchClause[]): string[] {
  let combos: Matcher[][] = [[]];
  for (const clause of clauses) {
    const next: Matcher[][] = [];
    for (const combo of combos) {
      for (const set of clause.sets) next.push([...combo, ...set]);
    }
    combos = next;
  }
  if (clauses.length === 0) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const combo of combos) {
    const unique: Matcher[] = [];
    const terms = new Set<string>();
    for (const m of combo) {
      const term = formatMatchers([m]);
      if (!terms.has(term)) {
        terms.add(term);
        unique.push(m);
      }
    }
    const text = formatMatchers(unique);
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
  }
  return out;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// Entries in messages may be hostile (huge, control characters): JSON quoting keeps a message on
// one line and the cut keeps it short.
function show(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}
