import type { LiveEvent } from '../../core/event.js';
import type { StateReducer } from '../../core/state-topic.js';
import type { HealthStatus } from '../source.js';

/** One component's health as carried by `health_changed` and the `health` snapshot. */
export interface ComponentHealth {
  readonly component: string;
  readonly status: HealthStatus;
  readonly detail?: string;
  /** When the component entered this status. */
  readonly since: string;
}

/** Topic of health events. */
export const HEALTH_TOPIC = 'health';
/** Type of a health change. */
export const HEALTH_CHANGED = 'health_changed';

/** State of the `health` topic: the last status of every component. */
export class HealthReducer implements StateReducer {
  readonly topic = HEALTH_TOPIC;
  private readonly components = new Map<string, ComponentHealth>();

  apply(event: LiveEvent): void {
    if (event.type !== HEALTH_CHANGED) return;
    const data = event.data as Partial<ComponentHealth> | null;
    if (
      data === null ||
      typeof data !== 'object' ||
      typeof data.component !== 'string' ||
      typeof data.status !== 'string'
    )
      return;
    const { previous: _previous, ...health } = data as ComponentHealth & { previous?: unknown };
    this.components.set(data.component, health);
  }

  snapshot(): { components: Record<string, ComponentHealth> } {
    return { components: Object.fromEntries([...this.components].sort(([a], [b]) => a.localeCompare(b))) };
  }

  /** Current status of every component. */
  current(): ReadonlyMap<string, ComponentHealth> {
    return this.components;
  }
}
