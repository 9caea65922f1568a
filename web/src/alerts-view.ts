/**
 * The alerts panel: firing, silenced, inhibited and recently resolved alerts grouped by severity,
 * filtered by the label filter and the state toggles. Rows are keyed by fingerprint and updated in
 * place; a row whose alert changed is highlighted briefly.
 */
import type { Alert, AlertsState, LivegateClient } from '../../packages/client/src/index.js';
import {
  DISPLAY_STATES,
  STATE_NAMES,
  displayState,
  groupBySeverity,
  nameOf,
  safeHttpUrl,
  summaryOf,
  type DisplayState,
  type ParsedFilter,
} from './alert-model.js';
import { fill, flash, h, setText, syncChildren } from './dom.js';
import { formatTime, renderAge } from './format.js';
import type { TopicState } from './topic-state.js';

/** Order of states inside a severity group. */
const STATE_RANK: Readonly<Record<DisplayState, number>> = { firing: 0, inhibited: 1, silenced: 2, resolved: 3 };

/** How many resolved alerts the panel remembers. */
const RECENT_RESOLVED_LIMIT = 50;

/** One row: an alert and the state it is shown in. */
interface Item {
  readonly alert: Alert;
  readonly state: DisplayState;
  /** When it was resolved (for the resolved ones): the event time. */
  readonly resolvedAt?: string;
}

interface Row {
  readonly el: HTMLLIElement;
  signature: string;
}

interface Group {
  readonly el: HTMLElement;
  readonly count: HTMLElement;
  readonly list: HTMLUListElement;
}

/** Elements the panel renders into. */
export interface AlertsViewElements {
  readonly groups: HTMLElement;
  readonly toggles: HTMLElement;
  readonly summary: HTMLElement;
  readonly status: HTMLElement;
}

/**
 * Keeps the alerts recently resolved (the store drops resolved alerts; the panel shows them for a
 * while), newest first.
 */
export class ResolvedAlerts {
  readonly #items = new Map<string, Item>();

  constructor(client: LivegateClient, onChange: () => void) {
    client.on('alert_*', (event) => {
      const data = event.data as Alert | null;
      if (event.topic !== 'alerts' || data === null || typeof data !== 'object' || typeof data.fingerprint !== 'string')
        return;
      const resolved = event.type === 'alert_resolved' || data.status?.state === 'resolved';
      if (resolved) {
        this.#items.delete(data.fingerprint);
        const alert: Alert = { ...data, status: { ...data.status, state: 'resolved' } };
        this.#items.set(data.fingerprint, { alert, state: 'resolved', resolvedAt: event.time });
        if (this.#items.size > RECENT_RESOLVED_LIMIT) this.#items.delete(this.#items.keys().next().value!);
      } else if (!this.#items.delete(data.fingerprint)) return;
      onChange();
    });
  }

  /** Newest first. */
  list(): Item[] {
    return [...this.#items.values()].reverse();
  }

  /** Forgets one (it fires again). */
  forget(fingerprint: string): void {
    this.#items.delete(fingerprint);
  }
}

/** The alerts panel. Call {@link render} after any change; it does the minimum DOM work. */
export class AlertsView {
  readonly #els: AlertsViewElements;
  readonly #alerts: TopicState<AlertsState>;
  readonly #resolved: ResolvedAlerts;
  readonly #rows = new Map<string, Row>();
  readonly #groups = new Map<string, Group>();
  readonly #toggleButtons = new Map<DisplayState, HTMLButtonElement>();
  readonly #shown = new Set<DisplayState>(DISPLAY_STATES);
  readonly #empty = h('p', { class: 'empty' });
  #filter: ParsedFilter = { ok: true, test: () => true, canonical: '' };
  #populated = false;

  constructor(els: AlertsViewElements, alerts: TopicState<AlertsState>, resolved: ResolvedAlerts) {
    this.#els = els;
    this.#alerts = alerts;
    this.#resolved = resolved;
    for (const state of DISPLAY_STATES) {
      const button = h('button', {
        type: 'button',
        class: `toggle state-${state}`,
        'aria-pressed': 'true',
        'data-state': state,
      });
      button.addEventListener('click', () => {
        if (this.#shown.has(state)) this.#shown.delete(state);
        else this.#shown.add(state);
        button.setAttribute('aria-pressed', String(this.#shown.has(state)));
        this.render();
      });
      this.#toggleButtons.set(state, button);
      els.toggles.append(button);
    }
  }

  /** Applies a new label filter (an invalid one keeps the last valid filter). */
  setFilter(filter: ParsedFilter): void {
    if (!filter.ok) return;
    this.#filter = filter;
    this.render();
  }

  render(): void {
    const view = this.#alerts.get();
    const live = view.data.alerts;
    const liveKeys = new Set(live.map((a) => a.fingerprint));
    const items: Item[] = live.map((alert) => ({ alert, state: displayState(alert) }));
    for (const item of this.#resolved.list()) {
      // A fingerprint in the store is firing again (a snapshot can bring it back without an event).
      if (liveKeys.has(item.alert.fingerprint)) this.#resolved.forget(item.alert.fingerprint);
      else items.push(item);
    }

    const matching = items.filter((item) => this.#filter.ok && this.#filter.test(item.alert.labels ?? {}));
    const counts = new Map<DisplayState, number>(DISPLAY_STATES.map((s) => [s, 0]));
    for (const item of matching) counts.set(item.state, counts.get(item.state)! + 1);
    for (const [state, button] of this.#toggleButtons) {
      setText(button, `${STATE_NAMES[state]} ${counts.get(state)}`);
    }
    // Within a severity, what needs action first; the store's order (oldest first) otherwise.
    const visible = matching
      .filter((item) => this.#shown.has(item.state))
      .sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state]);

    setText(this.#els.status, statusText(view.status));
    const filterNote = this.#filter.ok && this.#filter.canonical !== '' ? ` matching ${this.#filter.canonical}` : '';
    setText(this.#els.summary, `Showing ${visible.length} of ${items.length} alerts${filterNote}.`);

    const seen = new Set<string>();
    const groupEls: HTMLElement[] = [];
    for (const { severity, items: groupItems } of groupBySeverity(visible, (item) => item.alert)) {
      const group = this.#group(severity);
      setText(group.count, String(groupItems.length));
      syncChildren(
        group.list,
        groupItems.map((item) => {
          seen.add(item.alert.fingerprint);
          return this.#row(item);
        }),
      );
      groupEls.push(group.el);
    }
    for (const key of [...this.#rows.keys()]) if (!seen.has(key)) this.#rows.delete(key);
    if (groupEls.length === 0) {
      setText(this.#empty, emptyText(view.status, items.length, matching.length));
      groupEls.push(this.#empty);
    }
    syncChildren(this.#els.groups, groupEls);
    if (view.status !== 'pending') this.#populated = true;
  }

  #group(severity: string): Group {
    let group = this.#groups.get(severity);
    if (group === undefined) {
      const count = h('span', { class: 'count' });
      const headingId = `sev-${severity.replace(/[^a-z0-9_-]/gi, '_')}-heading`;
      const list = h('ul', { class: 'alert-list', 'aria-labelledby': headingId });
      const el = h(
        'section',
        { class: `sev-group sev-${cssToken(severity)}`, 'data-severity': severity },
        h(
          'h3',
          { id: headingId },
          h('span', { class: 'sev-dot', 'aria-hidden': 'true' }),
          severityName(severity),
          ' ',
          count,
        ),
        list,
      );
      group = { el, count, list };
      this.#groups.set(severity, group);
    }
    return group;
  }

  #row(item: Item): HTMLLIElement {
    const key = item.alert.fingerprint;
    const signature = JSON.stringify([
      item.state,
      item.alert.labels,
      item.alert.annotations,
      item.alert.status,
      item.alert.startsAt,
      item.alert.endsAt,
    ]);
    let row = this.#rows.get(key);
    if (row === undefined) {
      row = { el: h('li', { class: 'alert', 'data-fingerprint': key }), signature: '' };
      this.#rows.set(key, row);
    }
    if (row.signature !== signature) {
      const changed = row.signature !== '' || this.#populated;
      row.signature = signature;
      fillRow(row.el, item);
      if (changed) flash(row.el);
    }
    return row.el;
  }
}

function fillRow(el: HTMLLIElement, { alert, state, resolvedAt }: Item): void {
  el.className = `alert state-${state} sev-${cssToken(alert.labels?.severity ?? 'none')}`;
  el.dataset.state = state;
  el.dataset.alertname = nameOf(alert);
  const since = state === 'resolved' ? (resolvedAt ?? alert.endsAt) : alert.startsAt;
  const age = h('time', {
    class: 'age',
    datetime: since,
    'data-since': since,
    'data-prefix': state === 'resolved' ? 'resolved ' : 'for ',
    'data-suffix': state === 'resolved' ? ' ago' : '',
    title: formatTime(since),
  });
  renderAge(age);
  // alertname is the title and severity the group: the chips show the rest.
  const labels = Object.entries(alert.labels ?? {}).filter(([name]) => name !== 'alertname' && name !== 'severity');
  const summary = summaryOf(alert);
  const source = safeHttpUrl(alert.generatorURL);
  const silencedBy = alert.status?.silencedBy ?? [];
  const inhibitedBy = alert.status?.inhibitedBy ?? [];
  fill(
    el,
    h(
      'div',
      { class: 'alert-head' },
      h('span', { class: `badge state-${state}` }, STATE_NAMES[state]),
      h('h4', { class: 'alert-name' }, nameOf(alert)),
      age,
      source === null
        ? null
        : h(
            'a',
            { class: 'alert-source', href: source, target: '_blank', rel: 'noopener noreferrer' },
            'Source',
            h('span', { class: 'visually-hidden' }, ` of ${nameOf(alert)}`),
          ),
    ),
    summary === '' ? null : h('p', { class: 'alert-summary' }, summary),
    labels.length === 0
      ? null
      : h(
          'ul',
          { class: 'labels', 'aria-label': 'Labels' },
          labels.map(([name, value]) =>
            h(
              'li',
              { class: 'label' },
              h('span', { class: 'label-name' }, name),
              '=',
              h('span', { class: 'label-value' }, value),
            ),
          ),
        ),
    state === 'silenced' && silencedBy.length > 0
      ? h('p', { class: 'alert-why' }, `Silenced by ${silencedBy.join(', ')}`)
      : null,
    state === 'inhibited' && inhibitedBy.length > 0
      ? h('p', { class: 'alert-why' }, `Inhibited by ${inhibitedBy.join(', ')}`)
      : null,
  );
}

function statusText(status: string): string {
  switch (status) {
    case 'pending':
      return 'Waiting for alert state…';
    case 'stale':
      return 'The server lost our place; reloading…';
    case 'live':
      return 'From live events (the server keeps no alert state).';
    default:
      return '';
  }
}

function emptyText(status: string, total: number, matching: number): string {
  if (status === 'pending' && total === 0) return 'Waiting for alerts…';
  if (total === 0) return 'No alerts. All quiet.';
  if (matching === 0) return 'No alert matches the filter.';
  return 'No alert in the selected states.';
}

/** `critical` → `Critical`. */
export function severityName(severity: string): string {
  return severity === 'none' ? 'No severity' : severity.charAt(0).toUpperCase() + severity.slice(1);
}

/** A value usable in a class name. */
function cssToken(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
}
