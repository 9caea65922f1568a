/**
 * The Alertmanager-compatible ingest: `POST /api/v2/alerts` takes exactly the body Prometheus
 * sends to an Alertmanager, so a Prometheus can list livegate under `alerting.alertmanagers`.
 *
 * Alerts are kept per fingerprint with Alertmanager's semantics by an {@link AlertStore}; this
 * source only wires it to HTTP and to a clock: a tick every second resolves alerts whose `endsAt`
 * passed (the resolve timeout, for alerts sent without `endsAt`) and forgets old resolved ones.
 */
import type { FastifyInstance } from 'fastify';
import { LivegateError } from '../../errors.js';
import { guardTask, type Source, type SourceContext, type SourceRoutes } from '../source.js';
import { AlertStore, ALERT_STORE_DEFAULTS } from './alert-store.js';
import { MAX_POSTABLE_ALERTS, parsePostableAlerts } from './postable-alerts.js';

/** Path of the ingest route, as on Alertmanager. */
export const INGEST_PATH = '/api/v2/alerts';

/** Options of {@link IngestSource}. */
export interface IngestSourceOptions {
  /** How long an alert sent without `endsAt` stays firing. Defaults to 300,000 (Alertmanager's `resolve_timeout`). */
  readonly resolveTimeoutMs?: number;
  /** How long a resolved alert is remembered (a re-fire is then `alert_firing`, not `alert_created`). Defaults to 1 hour. */
  readonly retentionMs?: number;
  /** Largest request body. Defaults to 4 MiB (Prometheus batches 64–256 alerts per request; other senders may batch more). */
  readonly bodyLimitBytes?: number;
  /** Most alerts held (see `AlertStoreOptions.maxAlerts`). Defaults to 10,000. */
  readonly maxAlerts?: number;
  /** How far ahead a stated `endsAt` may lie. Defaults to 24 hours. */
  readonly maxEndsAtAheadMs?: number;
  /** Interval of the resolve/GC tick. Defaults to 1,000 ms. */
  readonly tickMs?: number;
  /** Clock in epoch ms. Defaults to `Date.now`. */
  readonly now?: () => number;
}

/** Defaults of {@link IngestSourceOptions}. */
export const INGEST_DEFAULTS = {
  resolveTimeoutMs: ALERT_STORE_DEFAULTS.resolveTimeoutMs,
  retentionMs: ALERT_STORE_DEFAULTS.retentionMs,
  bodyLimitBytes: 4 * 1024 * 1024,
  tickMs: 1_000,
} as const;

/** The `ingest` source: Alertmanager's `POST /api/v2/alerts` on livegate. */
export class IngestSource implements Source {
  readonly name = 'ingest';
  readonly store: AlertStore;
  readonly #bodyLimitBytes: number;
  readonly #tickMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: IngestSourceOptions = {}) {
    this.store = new AlertStore({
      source: this.name,
      resolveTimeoutMs: options.resolveTimeoutMs ?? INGEST_DEFAULTS.resolveTimeoutMs,
      retentionMs: options.retentionMs ?? INGEST_DEFAULTS.retentionMs,
      maxAlerts: options.maxAlerts ?? ALERT_STORE_DEFAULTS.maxAlerts,
      maxEndsAtAheadMs: options.maxEndsAtAheadMs ?? ALERT_STORE_DEFAULTS.maxEndsAtAheadMs,
    });
    this.#bodyLimitBytes = options.bodyLimitBytes ?? INGEST_DEFAULTS.bodyLimitBytes;
    this.#tickMs = options.tickMs ?? INGEST_DEFAULTS.tickMs;
    if (!Number.isInteger(this.#bodyLimitBytes) || this.#bodyLimitBytes < 1024)
      throw new TypeError('IngestSource: bodyLimitBytes must be an integer >= 1024');
    if (!Number.isInteger(this.#tickMs) || this.#tickMs < 10)
      throw new TypeError('IngestSource: tickMs must be an integer >= 10');
    this.#now = options.now ?? Date.now;
  }

  /** `POST /api/v2/alerts`, the Alertmanager-compatible ingest. */
  readonly routes: SourceRoutes = { prefix: INGEST_PATH, plugin: (app, ctx) => this.#register(app, ctx) };

  #register(app: FastifyInstance, ctx: SourceContext): void {
    // A write of the `alerts` topic: the server checks the caller (protected writes, publisher key
    // with basic or bearer auth, as Prometheus sends them) before the body is read.
    const options = { bodyLimit: this.#bodyLimitBytes, config: { access: 'write' as const, writesTopics: ['alerts'] } };
    app.post('/', options, async (request, reply) => {
      const parsed = parsePostableAlerts(request.body, { maxAlerts: MAX_POSTABLE_ALERTS });
      if (!parsed.ok)
        throw new LivegateError('invalid_body', parsed.error.message, { field: parsed.error.field || 'body' });
      const now = this.#now();
      const refusal = this.store.check(parsed.value, now);
      if (refusal !== null) throw refusal;
      const drafts = this.store.ingest(parsed.value, now);
      if (drafts.length > 0) await ctx.publish(drafts);
      // Alertmanager answers 200 with an empty body; Prometheus only looks at the status.
      return reply.status(200).send();
    });
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#timer = setInterval(
      guardTask(ctx, 'alert-expiry', () => {
        const drafts = this.store.tick(this.#now());
        if (drafts.length > 0)
          ctx.publish(drafts).catch((err: unknown) => ctx.log.warn({ err }, 'could not publish resolved alerts'));
      }),
      this.#tickMs,
    );
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
