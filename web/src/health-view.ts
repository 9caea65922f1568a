/** The health panel: every component the server reports (bus, sources), worst first. */
import type { ComponentHealth, HealthState } from '../../packages/client/src/index.js';
import { fill, flash, h, setText, syncChildren } from './dom.js';
import { formatTime, renderAge } from './format.js';
import type { TopicState } from './topic-state.js';

const RANK: Readonly<Record<string, number>> = { unhealthy: 0, degraded: 1, healthy: 2 };

/** The health panel. */
export class HealthView {
  readonly #list: HTMLElement;
  readonly #status: HTMLElement;
  readonly #health: TopicState<HealthState>;
  readonly #rows = new Map<string, { el: HTMLLIElement; signature: string }>();
  readonly #empty = h('li', { class: 'empty' });

  constructor(list: HTMLElement, status: HTMLElement, health: TopicState<HealthState>) {
    this.#list = list;
    this.#status = status;
    this.#health = health;
  }

  render(): void {
    const view = this.#health.get();
    const components = Object.values(view.data.components ?? {}).sort(
      (a, b) => (RANK[a.status] ?? 3) - (RANK[b.status] ?? 3) || a.component.localeCompare(b.component),
    );
    const counts = { healthy: 0, degraded: 0, unhealthy: 0 } as Record<string, number>;
    for (const c of components) counts[c.status] = (counts[c.status] ?? 0) + 1;
    setText(
      this.#status,
      view.status === 'pending'
        ? 'Waiting for health…'
        : components.length === 0
          ? ''
          : `${counts.healthy} healthy · ${counts.degraded} degraded · ${counts.unhealthy} unhealthy`,
    );
    const rows = components.map((c) => this.#row(c));
    for (const key of [...this.#rows.keys()]) if (!components.some((c) => c.component === key)) this.#rows.delete(key);
    if (rows.length === 0) {
      setText(this.#empty, view.status === 'pending' ? 'Waiting for health…' : 'No components reported.');
      rows.push(this.#empty);
    }
    syncChildren(this.#list, rows);
  }

  #row(c: ComponentHealth): HTMLLIElement {
    const signature = JSON.stringify([c.status, c.detail, c.since]);
    let row = this.#rows.get(c.component);
    const known = row !== undefined;
    if (row === undefined) {
      row = { el: h('li', { class: 'component', 'data-component': c.component }), signature: '' };
      this.#rows.set(c.component, row);
    }
    if (row.signature !== signature) {
      row.signature = signature;
      row.el.className = `component health-${c.status}`;
      row.el.dataset.status = c.status;
      const age = h('time', {
        class: 'age',
        datetime: c.since,
        'data-since': c.since,
        'data-prefix': 'since ',
        'data-suffix': '',
        title: formatTime(c.since),
      });
      fill(
        row.el,
        h('span', { class: 'health-dot', 'aria-hidden': 'true' }),
        h('span', { class: 'component-name' }, c.component),
        h('span', { class: `badge health-${c.status}` }, c.status),
        c.detail ? h('span', { class: 'component-detail' }, c.detail) : null,
        age,
      );
      renderAge(age);
      if (known) flash(row.el);
    }
    return row.el;
  }
}
