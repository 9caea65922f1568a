/**
 * The `GET /api/v2/status` answers of the watched Alertmanagers, fetched on demand and kept for a
 * short while: their configuration gives the routing tree (receivers and alert groups) and
 * `/api/v2/status` itself is answered from them. A failed fetch keeps the last good answer.
 */
import type { AlertmanagerApi } from '../alertmanager/client.js';
import { parseRoutingConfig, type RoutingConfig } from './route-tree.js';

/** One Alertmanager's status as last fetched. */
export interface AlertmanagerStatus {
  /** The answer as Alertmanager gave it (an `alertmanagerStatus` object). */
  readonly raw: Record<string, unknown>;
  /** Its routing tree, or `undefined` when its configuration could not be read. */
  readonly routing: RoutingConfig | undefined;
  readonly fetchedAt: number;
}

/** Options of {@link StatusCache}. */
export interface StatusCacheOptions {
  /** How long an answer is reused. Defaults to 10,000 ms. */
  readonly maxAgeMs?: number;
  /** Timeout of one fetch. Defaults to 5,000 ms. */
  readonly timeoutMs?: number;
  /** Clock in epoch ms. Defaults to `Date.now`. */
  readonly now?: () => number;
}

const STATUS_PATH = '/api/v2/status';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** See the module comment. */
export class StatusCache {
  readonly #names: readonly string[];
  readonly #api: (name: string) => AlertmanagerApi | undefined;
  readonly #maxAgeMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #last = new Map<string, AlertmanagerStatus>();
  readonly #inFlight = new Map<string, Promise<void>>();

  /**
   * @param names the watched Alertmanagers, in configuration order.
   * @param api the API client of one of them.
   */
  constructor(
    names: readonly string[],
    api: (name: string) => AlertmanagerApi | undefined,
    options: StatusCacheOptions = {},
  ) {
    this.#names = names;
    this.#api = api;
    this.#maxAgeMs = options.maxAgeMs ?? 10_000;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#now = options.now ?? Date.now;
  }

  /** The last good status of `name`, without fetching. */
  peek(name: string): AlertmanagerStatus | undefined {
    return this.#last.get(name);
  }

  /** Fetches every status older than the maximum age (concurrently, sharing fetches in flight). */
  async refresh(names: readonly string[] = this.#names): Promise<void> {
    await Promise.all(names.map((name) => this.#refreshOne(name)));
  }

  #refreshOne(name: string): Promise<void> {
    const last = this.#last.get(name);
    if (last !== undefined && this.#now() - last.fetchedAt < this.#maxAgeMs) return Promise.resolve();
    let pending = this.#inFlight.get(name);
    if (pending === undefined) {
      pending = this.#fetch(name).finally(() => this.#inFlight.delete(name));
      this.#inFlight.set(name, pending);
    }
    return pending;
  }

  async #fetch(name: string): Promise<void> {
    const api = this.#api(name);
    if (api === undefined) return;
    let raw: unknown;
    try {
      raw = await api.getJson(STATUS_PATH, AbortSignal.timeout(this.#timeoutMs));
    } catch {
      return; // Unreachable: the watcher reports its health; keep the last good answer.
    }
    if (!isRecord(raw)) return;
    const config = raw['config'];
    let routing: RoutingConfig | undefined;
    if (isRecord(config) && typeof config['original'] === 'string') {
      try {
        routing = parseRoutingConfig(config['original']);
      } catch {
        routing = undefined;
      }
    }
    this.#last.set(name, { raw, routing, fetchedAt: this.#now() });
  }
}
