import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { ClusterServices } from '../core/cluster.js';
import type { DemandChange, DemandSpec } from '../core/demand.js';
import { guarded, type TaskFailureReport } from '../core/guard.js';
import type { EventDraft } from '../core/event.js';
import type { Access, Principal } from '../core/principal.js';
import type { SourceStream } from '../core/source-stream.js';
import type { StateReducer } from '../core/state-topic.js';
import type { SubscribeExtension } from '../core/subscribe-extension.js';

export type { Access, ClusterServices, DemandChange, DemandSpec, SourceStream, SubscribeExtension };

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route needs (see {@link Access}), checked by the server in one place before the body
     * is read. Untagged routes are `read` for GET/HEAD and `write` for every other method, so a
     * route that forgets its tag is protected, not open. Example:
     * `app.post('/', { config: { access: 'write', writesTopics: ['alerts'] } }, handler)`.
     */
    access?: Access;
    /** Topics a `write` route publishes to; the principal must be allowed every one (e.g. `['alerts']`). */
    writesTopics?: readonly string[];
  }
}

/** Health of one component as shown on the `health` topic and in `/readyz`. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Options of {@link SourceStreams.sse}. */
export interface SourceSseOptions {
  /** The reader, from {@link SourceStreams.authenticate}. */
  readonly principal: Principal;
  /** Called once when the stream ends, whatever the reason (client gone, slow, shutdown, `close`). */
  readonly onClose?: (reason: { code: string; message: string }) => void;
}

/**
 * The shared stream machinery, for a source that serves a stream on its own URL (e.g.
 * `/api/v1/metrics/stream`): connection limits, the SSE head and `retry:`, `hello`, idle heartbeats,
 * the bounded queue with the slow-consumer cut-off, and the `shutdown` notice are the same as for
 * `/api/v2/events/stream`.
 */
export interface SourceStreams {
  /**
   * The principal of a request, checked the same way as every livegate endpoint (origin, bearer
   * token or `access_token`). Throws `unauthorized`/`origin_not_allowed`/`shutting_down`.
   */
  authenticate(request: FastifyRequest): Principal;
  /**
   * Turns the request into an SSE stream (the reply is hijacked) and returns the stream to send
   * named events on. Validate the request first: a throw here is still an ordinary JSON error.
   */
  sse(request: FastifyRequest, reply: FastifyReply, options: SourceSseOptions): SourceStream;
}

/** What a source gets from the server for its routes and when it starts. Sources never touch sockets. */
export interface SourceContext {
  /** Validates, stamps and appends drafts to the bus; resolves to their ids in order. */
  publish(drafts: readonly EventDraft[]): Promise<string[]>;
  /**
   * Reports the health of a component this source owns (e.g. `alertmanager/prod`). Publishes a
   * `health_changed` event on the `health` topic only when the status actually changes.
   */
  setHealth(component: string, status: HealthStatus, detail?: string): void;
  /** Child logger bound to the source name. */
  readonly log: Logger;
  /** Monotonic clock, the hub's. */
  readonly clock: Clock;
  /** Serves streams on the source's own URLs through the shared machinery. */
  readonly streams: SourceStreams;
  /**
   * Leases and broadcast channels shared with the other nodes of the cluster (alone on a memory
   * bus): for work a source wants done once per cluster at a finer grain than the whole source
   * (see {@link Source.perCluster}), e.g. one Prometheus query per distinct metric stream.
   */
  readonly cluster: ClusterServices;
  /**
   * Reports a background task of this source (a timer or callback) that threw: the server logs it
   * and counts it in `livegate_task_failures_total{task}`. Use it through {@link guardTask}.
   * Defaults to logging on {@link log} only.
   */
  readonly taskFailed?: TaskFailureReport;
}

/**
 * Wraps a timer or callback body of a source so that a throw is logged and counted (see
 * {@link SourceContext.taskFailed}), never fatal: an uncaught exception would end the process.
 */
export function guardTask<A extends unknown[]>(
  ctx: SourceContext,
  task: string,
  fn: (...args: A) => void,
): (...args: A) => void {
  return guarded(task, ctx.taskFailed ?? ((name, err) => ctx.log.error({ err, task: name }, 'task failed')), fn);
}

/**
 * HTTP routes of a source: a Fastify plugin registered under `prefix`. Each route declares what it
 * needs in its config (`access`, `writesTopics`); the server checks it (protected writes, tokens,
 * publisher keys, rate limits) before the handler runs, and the handler reads the caller through
 * `ctx.streams.authenticate(request)`.
 */
export interface SourceRoutes {
  /** Path prefix every route of the plugin is under, e.g. `/api/v1/metrics`. */
  readonly prefix: string;
  /** Registers the routes; paths are relative to {@link prefix} (`/` is the prefix itself). */
  plugin(app: FastifyInstance, ctx: SourceContext): void | Promise<void>;
}

/**
 * A publisher plugged into the server before start: alert ingest, Alertmanager watcher, PromQL
 * streams, stats. Registered through `LivegateOptions.sources`; routes are registered before the
 * server listens, `start` runs after the bus has replayed its history, `stop` before the bus stops.
 */
export interface Source {
  /** Unique name, used in logs and as the default event `source`. */
  readonly name: string;
  /** State topics this source owns (e.g. `alerts`); registered with the hub before start. */
  readonly reducers?: readonly StateReducer[];
  /** HTTP routes this source serves (e.g. the Alertmanager-compatible ingest). */
  readonly routes?: SourceRoutes;
  /**
   * Told when the first subscription naming one of `demand.topics` appears and when the last one
   * goes, so work runs only while someone watches.
   */
  readonly demand?: DemandSpec;
  /** Extra WebSocket subscribe fields this source serves (`{"op":"subscribe","metrics":{…}}`). */
  readonly subscribeExtension?: SubscribeExtension;
  /**
   * The source watches an outside system and publishes what it sees (the Alertmanager watcher,
   * the console): with several nodes on one bus it must run on one node at a time, so the server
   * starts it only while this node holds its lease (see `sources/leased-source.ts`).
   */
  readonly perCluster?: boolean;
  /** Starts producing events. Rejecting aborts server start-up with the error. */
  start(ctx: SourceContext): Promise<void>;
  /** Stops producing events and releases timers and sockets. Idempotent. */
  stop(): Promise<void>;
}
