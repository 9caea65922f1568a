import type { Logger } from 'pino';
import type { EventDraft } from '../../core/event.js';
import type { HealthStatus } from '../source.js';
import { HEALTH_CHANGED, HEALTH_TOPIC, type ComponentHealth } from './health-reducer.js';

/**
 * Publishes `health_changed` when, and only when, a component's status or detail changes. Every
 * component reports through here (bus, Alertmanagers, Prometheus, sources), and `/readyz` reads
 * the same table.
 */
export class HealthReporter {
  private readonly current = new Map<string, ComponentHealth>();

  constructor(
    private readonly publish: (drafts: readonly EventDraft[]) => Promise<string[]>,
    private readonly log: Logger,
  ) {}

  /** Records a status; publishes a change event if it differs from the last one. */
  set(component: string, status: HealthStatus, detail?: string): void {
    const previous = this.current.get(component);
    if (previous !== undefined && previous.status === status && previous.detail === detail) return;
    const health: ComponentHealth = {
      component,
      status,
      ...(detail === undefined ? {} : { detail }),
      since: previous?.status === status ? previous.since : new Date().toISOString(),
    };
    this.current.set(component, health);
    if (previous?.status !== status)
      this.log.info({ component, status, detail, previous: previous?.status }, 'health changed');
    this.publish([
      {
        topic: HEALTH_TOPIC,
        type: HEALTH_CHANGED,
        source: 'livegate',
        labels: { component: component.slice(0, 1024), status },
        data: { ...health, previous: previous?.status ?? null },
      },
    ]).catch((err: unknown) => this.log.warn({ err, component }, 'could not publish health change'));
  }

  /** Components not healthy (degraded counts as ready). */
  unhealthy(): ComponentHealth[] {
    return [...this.current.values()].filter((c) => c.status === 'unhealthy');
  }

  /** Every component's last status. */
  all(): ComponentHealth[] {
    return [...this.current.values()];
  }
}
