/**
 * The `--demo` source: plays {@link DemoSimulator}'s synthetic alerts and silences on the `alerts`
 * and `silences` topics, in real time. Off by default (`demo: true` or `--demo` turns it on).
 */
import { guardTask, type Source, type SourceContext } from '../source.js';
import { DEMO_SOURCE, DemoSimulator, type DemoSimulatorOptions } from './demo-simulator.js';

/** Options of {@link DemoSource}. */
export interface DemoSourceOptions extends DemoSimulatorOptions {
  /** Clock in epoch ms. Defaults to `Date.now`. */
  readonly now?: () => number;
}

/** Publishes the demo's alert stories; see the module comment. */
export class DemoSource implements Source {
  readonly name = DEMO_SOURCE;
  readonly #options: DemoSourceOptions;
  readonly #now: () => number;
  #simulator: DemoSimulator | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: DemoSourceOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#stopped = false;
    this.#simulator = new DemoSimulator(this.#now(), this.#options);
    ctx.setHealth('demo', 'healthy', 'synthetic alerts');
    this.#schedule(ctx);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ctx: SourceContext): void {
    if (this.#stopped || this.#simulator === undefined) return;
    const simulator = this.#simulator;
    this.#timer = setTimeout(
      () => {
        guardTask(ctx, 'demo', () => {
          const drafts = simulator.advance(this.#now());
          if (drafts.length > 0)
            ctx.publish(drafts).catch((err: unknown) => ctx.log.warn({ err }, 'could not publish demo events'));
        })();
        this.#schedule(ctx);
      },
      Math.max(0, simulator.nextDueAt() - this.#now()),
    );
    this.#timer.unref();
  }
}
