/**
 * A small typed emitter with wildcard patterns: `*` matches every name, `alert_*` every name
 * starting with `alert_`, and `*` may appear anywhere (`*_resolved`). Listeners run in the
 * order they were added; listeners added or removed during an emit take effect from the next
 * one. A throwing listener does not stop the others: its error goes to the
 * `onListenerError` hook.
 */

/** A listener. */
export type Listener<P> = (payload: P) => void;

interface Entry {
  readonly pattern: string;
  readonly test: (name: string) => boolean;
  readonly fn: Listener<never>;
  readonly once: boolean;
}

/** Whether `pattern` contains a wildcard. */
export function isPattern(pattern: string): boolean {
  return pattern.includes('*');
}

/** Compiles a pattern into a predicate on names. */
export function compilePattern(pattern: string): (name: string) => boolean {
  if (pattern === '*') return () => true;
  if (!pattern.includes('*')) return (name) => name === pattern;
  const parts = pattern.split('*');
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  return (name) => {
    if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
    let at = first.length;
    const end = name.length - last.length;
    for (const part of middle) {
      const found = name.indexOf(part, at);
      if (found === -1 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

/**
 * Emitter over an event map `M` (name → payload). Exact names are typed by the map; patterns
 * receive `Fallback`, since they may match names the map does not know.
 */
export class Emitter<M extends object, Fallback = M[keyof M]> {
  /** Replaced, never mutated, so an emit in progress is unaffected by listeners added or removed. */
  #entries: readonly Entry[] = [];
  /** Listeners per emitted name, computed on first use and dropped when listeners change. */
  #cache = new Map<string, readonly Entry[]>();
  readonly #onListenerError: (error: unknown, name: string) => void;

  constructor(onListenerError: (error: unknown, name: string) => void = rethrowLater) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener for a name or pattern; returns a function that removes it. */
  on<K extends keyof M & string>(name: K, fn: Listener<M[K]>): () => void;
  on(pattern: string, fn: Listener<Fallback>): () => void;
  on(pattern: string, fn: Listener<never>): () => void {
    return this.#add(pattern, fn, false);
  }

  /** Adds a listener called at most once. */
  once<K extends keyof M & string>(name: K, fn: Listener<M[K]>): () => void;
  once(pattern: string, fn: Listener<Fallback>): () => void;
  once(pattern: string, fn: Listener<never>): () => void {
    return this.#add(pattern, fn, true);
  }

  /** Removes a listener added with the same name or pattern. */
  off(pattern: string, fn: (payload: never) => void): void {
    const entry = this.#entries.find((e) => e.pattern === pattern && e.fn === fn);
    if (entry !== undefined) this.#remove(entry);
  }

  /** Removes every listener. */
  clear(): void {
    this.#entries = [];
    this.#cache.clear();
  }

  /** Whether anything listens to `name`. */
  hasListeners(name: string): boolean {
    return this.#listenersOf(name).length > 0;
  }

  /** Number of listeners registered (all patterns). */
  get size(): number {
    return this.#entries.length;
  }

  /** Calls every listener whose name or pattern matches `name`. */
  emit(name: string, payload: unknown): void {
    const entries = this.#listenersOf(name);
    for (const entry of entries) {
      if (entry.once) this.#remove(entry);
      try {
        (entry.fn as Listener<unknown>)(payload);
      } catch (error) {
        this.#onListenerError(error, name);
      }
    }
  }

  #add(pattern: string, fn: Listener<never>, once: boolean): () => void {
    if (typeof pattern !== 'string' || pattern === '')
      throw new TypeError('event name must be a non-empty string, e.g. "alert_firing", "alert_*" or "*"');
    if (typeof fn !== 'function') throw new TypeError(`listener for "${pattern}" must be a function`);
    const entry: Entry = { pattern, test: compilePattern(pattern), fn, once };
    this.#entries = [...this.#entries, entry];
    this.#cache.clear();
    return () => this.#remove(entry);
  }

  #remove(entry: Entry): void {
    const index = this.#entries.indexOf(entry);
    if (index === -1) return;
    this.#entries = [...this.#entries.slice(0, index), ...this.#entries.slice(index + 1)];
    this.#cache.clear();
  }

  #listenersOf(name: string): readonly Entry[] {
    let list = this.#cache.get(name);
    if (list === undefined) {
      list = this.#entries.filter((e) => e.test(name));
      // Names come from the server; bound the cache so a stream of distinct types cannot grow it.
      if (this.#cache.size >= 512) this.#cache.clear();
      this.#cache.set(name, list);
    }
    return list;
  }
}

/** Default listener-error handling: report it like an uncaught error, without breaking delivery. */
function rethrowLater(error: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof report === 'function') report(error);
  else
    setTimeout(() => {
      throw error;
    }, 0);
}
