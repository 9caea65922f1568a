import type { Logger } from 'pino';
import type { EventDraft } from '../core/event.js';
import type { StateReducer } from '../core/state-topic.js';

/** Health of one component as shown on the `health` topic and in `/readyz`. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** What a source gets from the server when it starts. Sources never touch sockets. */
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
}

/**
 * A publisher plugged into the server before start: alert ingest, Alertmanager watcher, PromQL
 * streams, stats. Registered through `LivegateServerOptions.sources`; started after the bus,
 * stopped before it.
 */
export interface Source {
  /** Unique name, used in logs and as the default event `source`. */
  readonly name: string;
  /** State topics this source owns (e.g. `alerts`); registered with the hub before start. */
  readonly reducers?: readonly StateReducer[];
  /**
   * HTTP routes this source serves (e.g. the Alertmanager-compatible ingest), registered before
   * the server listens. Receives the Fastify instance and the same publish function as `start`.
   */
  routes?(app: import('fastify').FastifyInstance, ctx: SourceContext): void;
  /** Starts producing events. Rejecting aborts server start-up with the error. */
  start(ctx: SourceContext): Promise<void>;
  /** Stops producing events and releases timers and sockets. Idempotent. */
  stop(): Promise<void>;
}
