import type { Lease } from '../core/lease.js';
import type { Source, SourceContext } from './source.js';

/**
 * Runs a {@link Source} only while this node holds a lease: started when the lease is taken,
 * stopped when it is lost or given up. Everything else (reducers, routes, demand, subscribe
 * extension) passes through unchanged, so every node serves the source's state and routes while
 * one node does its work. The inner source must be restartable (start after stop).
 */
export class LeasedSource implements Source {
  readonly name: string;
  readonly reducers: Source['reducers'];
  readonly routes: Source['routes'];
  readonly demand: Source['demand'];
  readonly subscribeExtension: Source['subscribeExtension'];
  readonly #inner: Source;
  readonly #lease: Lease;
  /** Start/stop transitions run one after the other, in the order the lease changed. */
  #transition: Promise<void> = Promise.resolve();
  #running = false;
  #unsubscribe: (() => void) | undefined;

  constructor(inner: Source, lease: Lease) {
    this.#inner = inner;
    this.#lease = lease;
    this.name = inner.name;
    this.reducers = inner.reducers;
    this.routes = inner.routes;
    this.demand = inner.demand;
    this.subscribeExtension = inner.subscribeExtension;
  }

  /** Whether the inner source runs on this node now. */
  get running(): boolean {
    return this.#running;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#unsubscribe = this.#lease.onChange((held) => {
      this.#transition = this.#transition.then(() => (held ? this.#startInner(ctx) : this.#stopInner(ctx)));
    });
    await this.#lease.start();
    await this.#transition;
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#transition;
    if (this.#running) {
      this.#running = false;
      await this.#inner.stop();
    }
    await this.#lease.stop();
  }

  async #startInner(ctx: SourceContext): Promise<void> {
    if (this.#running) return;
    try {
      await this.#inner.start(ctx);
      this.#running = true;
      ctx.log.info({ lease: this.#lease.name }, 'lease taken: running on this node');
    } catch (err) {
      ctx.log.error({ err, lease: this.#lease.name }, 'lease taken but the source failed to start');
    }
  }

  async #stopInner(ctx: SourceContext): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    ctx.log.info({ lease: this.#lease.name }, 'lease lost: stopped on this node');
    await this.#inner.stop().catch((err: unknown) => ctx.log.warn({ err }, 'source stop failed'));
  }
}
