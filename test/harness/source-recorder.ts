/**
 * A {@link SourceContext} that records what a source publishes and reports, so a test can drive a
 * source against a real server and wait, with deadlines, for the drafts and health it produces.
 */
import type { EventDraft } from '../../src/core/event.js';
import type { HealthStatus, SourceContext } from '../../src/sources/source.js';
import { testSourceContext } from './source-context.js';
import { waitFor } from './wait.js';

/** One `setHealth` call. */
export interface HealthReport {
  readonly component: string;
  readonly status: HealthStatus;
  readonly detail: string | undefined;
  readonly at: number;
}

/** Records drafts and health; see the module comment. */
export class SourceRecorder {
  readonly drafts: EventDraft[] = [];
  /** When each draft of {@link drafts} was published (epoch ms), same index. */
  readonly publishedAt: number[] = [];
  readonly health: HealthReport[] = [];
  readonly ctx: SourceContext = testSourceContext({
    publish: async (drafts) => {
      this.drafts.push(...drafts);
      const now = Date.now();
      this.publishedAt.push(...drafts.map(() => now));
      return drafts.map(() => String(this.drafts.length));
    },
    setHealth: (component, status, detail) => {
      this.health.push({ component, status, detail, at: Date.now() });
    },
  });

  /** Drafts of a type, optionally narrowed by a predicate on `data`. */
  of<T>(type: string, where: (data: T) => boolean = () => true): T[] {
    return this.drafts.filter((d) => d.type === type && where(d.data as T)).map((d) => d.data as T);
  }

  /** Waits for a draft of `type` whose data passes `where`, recorded at index `from` or later. */
  async waitFor<T>(type: string, where: (data: T) => boolean, timeoutMs: number, from = 0): Promise<T> {
    return waitFor(
      () => {
        const found = this.drafts.slice(from).find((d) => d.type === type && where(d.data as T));
        return found === undefined ? undefined : (found.data as T);
      },
      { timeoutMs, intervalMs: 10, what: `a ${type} draft` },
    ) as Promise<T>;
  }

  /** Waits for a health report with that status. */
  async waitForHealth(status: HealthStatus, timeoutMs: number, from = 0): Promise<HealthReport> {
    return waitFor(() => this.health.slice(from).find((h) => h.status === status), {
      timeoutMs,
      intervalMs: 10,
      what: `health ${status}`,
    });
  }

  /** Index of the next draft, for waits that must ignore what came before. */
  get mark(): number {
    return this.drafts.length;
  }
}
