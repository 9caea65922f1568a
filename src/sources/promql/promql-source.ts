/**
 * PromQL metric streams as a livegate source: `GET /api/v1/metrics/stream?query=&interval=` on
 * its own URL through the shared SSE machinery, `{"op":"subscribe","metrics":{…}}` on the shared
 * WebSocket, and the admin status and close routes. Streams with the same normalized query,
 * interval and tenant scope share one runner, so N viewers cost one Prometheus query per interval.
 *
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Principal } from '../../core/principal.js';
import { LivegateError } from '../../errors.js';
import { guardTask, type Source, type SourceContext, type SourceStream, type SubscribeExtension } from '../source.js';
import { compileMetricQuery, parseInterval } from './metric-query.js';
import { registerMetricStreamMetrics } from './metrics.js';
import { metricErrorOf } from './metric-update.js';
import { MAX_QUERY_LENGTH } from './parse.js';
import { PrometheusClient, type PrometheusClientOptions, type PrometheusDataSource } from './prometheus-client.js';
import type { RunnerSpec } from './query-runner.js';
import { RunnerRegistry } from './runner-registry.js';
import { MetricStream, StreamBook } from './stream-book.js';
import type { TenantScope } from './tenancy.js';

/** Route prefix of metric streams. */
export const METRICS_PREFIX = '/api/v1/metrics';

/** Options of {@link PromqlSource}. */
export interface PromqlSourceOptions {
  /** The data source: a {@link PrometheusClient} or its options. */
  readonly prometheus: PrometheusDataSource | PrometheusClientOptions;
  /** Most open metric streams (SSE plus WebSocket subscriptions). Defaults to `100`. */
  readonly maxStreams?: number;
  /** A stream whose writes stay blocked this long is closed, in ms. Defaults to `300000`. */
  readonly inactivityTimeoutMs?: number;
  /** Label carrying the tenant. Defaults to `namespace`. */
  readonly tenantLabel?: string;
  /**
   * Scope for principals that carry none (auth off): `null` or `[]` leaves queries unscoped.
   * Defaults to `null`.
   */
  readonly namespaces?: readonly string[] | null;
  /** Registry the `livegate_metric_*` metrics are registered on. Defaults to none. */
  readonly registry?: Registry;
}

/** Bounds of the optional backfill (`range`, `step` in seconds). */
export const BACKFILL = { maxRangeSeconds: 86_400, maxPoints: 11_000 } as const;

/** A validated stream request, from SSE query parameters or a WebSocket `metrics` object. */
interface StreamRequest {
  readonly spec: RunnerSpec;
  readonly backfill: { readonly range: number; readonly step: number } | null;
}

const wsRequestSchema = z
  .object({
    query: z.string(),
    interval: z.number().optional(),
    range: z.number().optional(),
    step: z.number().optional(),
  })
  .strict();

export class PromqlSource implements Source {
  readonly name = 'promql';
  private readonly client: PrometheusDataSource;
  private readonly ownsClient: PrometheusClient | null;
  private readonly runners: RunnerRegistry;
  private readonly book: StreamBook;
  private readonly tenantLabel: string;
  private readonly namespaces: readonly string[] | null;
  private readonly inactivityTimeoutMs: number;
  private ctx: SourceContext | null = null;
  private sweep: NodeJS.Timeout | null = null;

  constructor(options: PromqlSourceOptions) {
    if ('query' in options.prometheus) {
      this.client = options.prometheus;
      this.ownsClient = null;
    } else {
      this.ownsClient = new PrometheusClient(options.prometheus);
      this.client = this.ownsClient;
    }
    this.book = new StreamBook(options.maxStreams ?? 100);
    this.tenantLabel = options.tenantLabel ?? 'namespace';
    this.namespaces = options.namespaces && options.namespaces.length > 0 ? options.namespaces : null;
    this.inactivityTimeoutMs = options.inactivityTimeoutMs ?? 300_000;
    const observer = options.registry
      ? registerMetricStreamMetrics(options.registry, {
          streams: () => this.book.size,
          runners: () => this.runners.size,
        })
      : undefined;
    this.runners = new RunnerRegistry({
      source: this.client,
      ...(observer ? { observer } : {}),
      onViewerError: (err) => this.ctx?.log.error({ err }, 'metric stream viewer failed'),
    });
  }

  readonly routes = {
    prefix: METRICS_PREFIX,
    plugin: (app: FastifyInstance, ctx: SourceContext) => this.registerRoutes(app, ctx),
  };

  readonly subscribeExtension: SubscribeExtension<StreamRequest> = {
    key: 'metrics',
    parse: (raw, principal) => {
      const parsed = wsRequestSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const path = issue.path.length > 0 ? `metrics.${issue.path.join('.')}` : 'metrics';
        throw new LivegateError('invalid_message', `${path}: ${issue.message}`, { field: path });
      }
      return this.validate(parsed.data, principal, 'metrics.');
    },
    open: (stream, request) => {
      const record = this.attach(stream, request);
      return { release: () => this.book.remove(record) };
    },
  };

  async start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    this.runners.useCluster(ctx.cluster);
    const every = Math.max(250, Math.min(5000, Math.floor(this.inactivityTimeoutMs / 4)));
    this.sweep = setInterval(
      guardTask(ctx, 'metric-stream-sweep', () => this.closeBlocked()),
      every,
    );
    this.sweep.unref();
  }

  async stop(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    this.runners.stopAll();
    this.ownsClient?.close();
  }

  /** The scope a principal's queries run in: its namespaces, else the configured ones, else none. */
  scopeFor(principal: Principal): TenantScope | null {
    const own = (principal as Partial<{ namespaces: readonly string[] | null }>).namespaces;
    const namespaces = own ?? this.namespaces;
    return namespaces === null ? null : { label: this.tenantLabel, namespaces };
  }

  private validate(
    input: { query?: unknown; interval?: unknown; range?: unknown; step?: unknown },
    principal: Principal,
    prefix: string,
  ): StreamRequest {
    if (typeof input.query !== 'string' || input.query === '') {
      throw new LivegateError(
        'invalid_promql',
        `${prefix}query is required (PromQL, at most ${MAX_QUERY_LENGTH} characters)`,
        {
          field: `${prefix}query`,
        },
      );
    }
    const interval = withField(() => parseInterval(input.interval), `${prefix}interval`);
    const spec = withField(
      () => compileMetricQuery(input.query as string, interval, this.scopeFor(principal)),
      `${prefix}query`,
    );
    let backfill: StreamRequest['backfill'] = null;
    if (input.range !== undefined && input.range !== '') {
      const range = wholeSeconds(input.range, `${prefix}range`, 1, BACKFILL.maxRangeSeconds);
      const step =
        input.step === undefined || input.step === ''
          ? Math.max(1, Math.ceil(range / BACKFILL.maxPoints), Math.min(interval, range))
          : wholeSeconds(input.step, `${prefix}step`, 1, BACKFILL.maxRangeSeconds);
      if (range / step > BACKFILL.maxPoints) {
        throw new LivegateError(
          'invalid_param',
          `range/step gives ${Math.ceil(range / step)} points; at most ${BACKFILL.maxPoints}`,
          { field: `${prefix}step` },
        );
      }
      backfill = { range, step };
    } else if (input.step !== undefined && input.step !== '') {
      throw new LivegateError('invalid_param', 'step needs range', { field: `${prefix}step` });
    }
    this.book.checkCapacity();
    return { spec, backfill };
  }

  /** Starts feeding a stream: backfill first (if asked), then the shared runner. */
  private attach(stream: SourceStream, request: StreamRequest): MetricStream {
    const record = new MetricStream(stream, request.spec);
    this.book.add(record);
    const join = () => {
      if (!stream.open || !this.book.has(record)) return;
      record.membership = this.runners.join(request.spec, record);
    };
    if (request.backfill === null) {
      join();
      return record;
    }
    const { range, step } = request.backfill;
    const end = Math.floor(Date.now() / 1000);
    const started = performance.now();
    this.client.queryRange(request.spec.query, end - range, end, step).then(
      (answer) => {
        const update = {
          resultType: answer.resultType,
          result: answer.result,
          evaluatedAt: new Date(end * 1000).toISOString(),
          queryMs: Math.round((performance.now() - started) * 1000) / 1000,
        };
        record.update(update, JSON.stringify(update));
        join();
      },
      (err: unknown) => {
        const error = metricErrorOf(err);
        record.error(error, JSON.stringify(error));
        join();
      },
    );
    return record;
  }

  private registerRoutes(app: FastifyInstance, ctx: SourceContext): void {
    app.get('/stream', (request, reply) => {
      const principal = ctx.streams.authenticate(request);
      const query = request.query as Record<string, unknown>;
      const input = {
        query: single(query.query, 'query'),
        interval: single(query.interval, 'interval'),
        range: single(query.range, 'range'),
        step: single(query.step, 'step'),
      };
      const streamRequest = this.validate(input, principal, '');
      let record: MetricStream | null = null;
      const stream = ctx.streams.sse(request, reply, {
        principal,
        onClose: () => {
          if (record) this.book.remove(record);
        },
      });
      stream.send('connected', {
        connection_id: stream.connection,
        query: streamRequest.spec.normalized,
        interval: streamRequest.spec.interval,
      });
      record = this.attach(stream, streamRequest);
    });

    const admin = { config: { access: 'admin' as const } };
    app.get('/stream/status', admin, (request) => {
      this.requireAdmin(ctx.streams.authenticate(request));
      return {
        streams: this.book.list().map((s) => s.status()),
        runners: this.runners.list(),
      };
    });

    app.delete(
      '/stream/:connection_id',
      admin,
      (request: FastifyRequest<{ Params: { connection_id: string } }>, reply) => {
        this.requireAdmin(ctx.streams.authenticate(request));
        const id = request.params.connection_id;
        const streams = this.book.byConnection(id);
        if (streams.length === 0) {
          throw new LivegateError('not_found', `no metric stream on connection ${JSON.stringify(id.slice(0, 64))}`, {
            field: 'connection_id',
          });
        }
        for (const s of streams) {
          s.stream.send('shutdown', { reason: 'closed_by_admin', message: 'stream closed by an administrator' });
          s.stream.close('done', 'closed by an administrator');
          this.book.remove(s);
        }
        void reply.status(204).send();
      },
    );
  }

  private requireAdmin(principal: Principal): void {
    if (!principal.isAdmin) {
      throw new LivegateError('forbidden', 'metric stream status and close are admin-only');
    }
  }

  /** Closes streams whose writes have been blocked for `inactivityTimeoutMs`. */
  private closeBlocked(): void {
    const now = this.ctx!.clock.now();
    for (const record of this.book.list()) {
      if (record.blockedFor(now) >= this.inactivityTimeoutMs) {
        this.ctx!.log.info({ connection: record.stream.connection }, 'metric stream closed: writes blocked');
        record.stream.close(
          'internal',
          `writes blocked for ${this.inactivityTimeoutMs} ms (metrics.inactivityTimeoutMs)`,
        );
        this.book.remove(record);
      }
    }
  }
}

function single(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  throw new LivegateError('invalid_param', `${field} must be given once`, { field });
}

function wholeSeconds(raw: unknown, field: string, min: number, max: number): number {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LivegateError('invalid_param', `${field} must be a whole number of seconds from ${min} to ${max}`, {
      field,
    });
  }
  return value;
}

/** Re-labels a validation error's field (`interval` → `metrics.interval` on WebSocket). */
function withField<T>(fn: () => T, field: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LivegateError && err.field !== field) {
      throw new LivegateError(err.code, err.message, { field, cause: err });
    }
    throw err;
  }
}
