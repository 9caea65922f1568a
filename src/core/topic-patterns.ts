import { compileFilter, FilterError, type CompiledFilter } from './filter.js';

/**
 * A set of topic rights written as topics and `prefix*` patterns (`alerts`, `team-a.*`, `*`), as a
 * token's `subscribe` or `publish` claim or a publisher key's `topics` hold them. Validated with the
 * filter's own topic rules, so a right and a subscription can never disagree about what a pattern
 * means.
 */
export class TopicPatterns {
  /** Whether `*` is among the entries (every topic). */
  readonly all: boolean;
  /** The entries as given (deduplicated). */
  readonly entries: readonly string[];
  private readonly exact: ReadonlySet<string>;
  private readonly prefixes: readonly string[];
  private filterCache: CompiledFilter | null = null;

  private constructor(entries: readonly string[]) {
    this.entries = Object.freeze([...new Set(entries)]);
    this.all = this.entries.includes('*');
    this.exact = new Set(this.entries.filter((e) => !e.endsWith('*')));
    this.prefixes = Object.freeze(this.entries.filter((e) => e.endsWith('*')).map((e) => e.slice(0, -1)));
  }

  /**
   * Validates and compiles entries.
   *
   * @throws {FilterError} naming the entry (`topics[2]`) that is not a topic or `prefix*` pattern.
   */
  static compile(entries: readonly string[]): TopicPatterns {
    // compileFilter applies the topic rules and the entry-count bound; its result is kept lazily.
    if (entries.length > 0) compileFilter({ topics: entries });
    return new TopicPatterns(entries);
  }

  /** Number of entries; 0 means no topic at all. */
  get size(): number {
    return this.entries.length;
  }

  /** Whether `topic` (an exact topic) is within these rights. */
  covers(topic: string): boolean {
    if (this.all || this.exact.has(topic)) return true;
    for (const prefix of this.prefixes) if (topic.startsWith(prefix)) return true;
    return false;
  }

  /** Whether some topic matching `prefix*` is within these rights (so the pattern can be narrowed to them). */
  overlaps(prefix: string): boolean {
    if (this.all) return true;
    for (const topic of this.exact) if (topic.startsWith(prefix)) return true;
    for (const own of this.prefixes) if (own.startsWith(prefix) || prefix.startsWith(own)) return true;
    return false;
  }

  /** Whether every topic matching `prefix*` is within these rights. */
  coversPattern(prefix: string): boolean {
    if (this.all) return true;
    for (const own of this.prefixes) if (prefix.startsWith(own)) return true;
    return false;
  }

  /**
   * Whether `topic` is named exactly (not through `*` or a pattern). Reserved topics (the server's
   * own state) can be granted to a publisher only this way.
   */
  namesExactly(topic: string): boolean {
    return this.exact.has(topic);
  }

  /** Whether these rights include everything `other` grants. */
  includes(other: TopicPatterns): boolean {
    if (this.all) return true;
    if (other.all) return false;
    for (const topic of other.exact) if (!this.covers(topic)) return false;
    for (const prefix of other.prefixes) if (!this.coversPattern(prefix)) return false;
    return true;
  }

  /** The rights as a topic-only filter, to intersect with a subscription. Requires `size > 0`. */
  asFilter(): CompiledFilter {
    if (this.entries.length === 0) throw new FilterError('topics', -1, 'no topics to build a filter from');
    return (this.filterCache ??= compileFilter({ topics: this.entries }));
  }
}
