/**
 * The alerts panel for on-call: firing, silenced and inhibited alerts grouped by any label
 * (default `alertname`) in collapsible groups with counts, narrowed by state chips and a free-text
 * search (the label filter itself is server-side, see main.ts). Each row links its runbook,
 * dashboard and source, names the silences and alerts that suppress it, and offers Silence… and
 * Ack. A banner says when a source of alerts is unhealthy, and the panel then never claims "All
 * quiet". Resolved alerts of the last 24 h live in a collapsible history below. Rows are keyed by
 * fingerprint and updated in place.
 */
import type {
  Alert,
  AlertsState,
  HealthState,
  LivegateClient,
  LivegateEvent,
  SilencesState,
} from '../../packages/client/src/index.js';
import { STATE_NAMES, displayState, nameOf, summaryOf, type DisplayState } from './alert-model.js';
import { fill, flash, h, setText, syncChildren } from './dom.js';
import { formatTime, renderAge } from './format.js';
import {
  commonLabels,
  countByDisplayState,
  describeAlert,
  describeSilence,
  groupByLabel,
  linksOf,
  matchesText,
  matchersFor,
  staleSources,
  type MatcherInput,
} from './oncall-model.js';
import type { TopicState } from './topic-state.js';

/** States shown in the main list (resolved ones are in the history). */
const LIVE_STATES: readonly DisplayState[] = ['firing', 'silenced', 'inhibited'];
const STATE_RANK: Readonly<Record<DisplayState, number>> = { firing: 0, inhibited: 1, silenced: 2, resolved: 3 };

/** How long the history keeps resolved alerts. */
const HISTORY_MS = 24 * 3_600_000;
/** Most resolved alerts kept. */
const HISTORY_LIMIT = 500;

/** One row: an alert and the state it is shown in. */
interface Item {
  readonly alert: Alert;
  readonly state: DisplayState;
  /** When it was resolved (for the resolved ones): the event time. */
  readonly resolvedAt?: string;
}

/** Elements the panel renders into. */
export interface AlertsViewElements {
  readonly groups: HTMLElement;
  readonly toggles: HTMLElement;
  readonly summary: HTMLElement;
  readonly status: HTMLElement;
  readonly banner: HTMLElement;
  readonly groupBy: HTMLInputElement;
  readonly search: HTMLInputElement;
  readonly history: HTMLDetailsElement;
  readonly historyCount: HTMLElement;
  readonly historyList: HTMLElement;
}

/** What the rows' buttons do; main.ts wires them to the dialog, the API and the filter. */
export interface AlertActions {
  silence(matchers: MatcherInput[], what: string): void;
  acknowledge(alert: Alert): void;
  filterBy(name: string, value: string): void;
}

/** Keeps the alerts resolved in the last 24 h (the store drops resolved alerts), newest first. */
export class ResolvedAlerts {
  readonly #items = new Map<string, Item>();

  readonly #onChange: () => void;

  constructor(client: LivegateClient, onChange: () => void) {
    this.#onChange = onChange;
    client.on('alert_*', (event) => this.#record(event, true));
  }

  /** Adds a resolved alert read from the replay window (see `history-backfill.ts`); newer knowledge wins. */
  backfill(event: LivegateEvent): void {
    this.#record(event, false);
  }

  #record(event: LivegateEvent, live: boolean): void {
    const data = event.data as Alert | null;
    if (event.topic !== 'alerts' || data === null || typeof data !== 'object' || typeof data.fingerprint !== 'string')
      return;
    if (!live && this.#items.has(data.fingerprint)) return;
    const resolved = event.type === 'alert_resolved' || data.status?.state === 'resolved';
    if (resolved) {
      this.#items.delete(data.fingerprint);
      const alert: Alert = { ...data, status: { ...data.status, state: 'resolved' } };
      this.#items.set(data.fingerprint, { alert, state: 'resolved', resolvedAt: event.time });
      if (this.#items.size > HISTORY_LIMIT) this.#items.delete(this.#items.keys().next().value!);
    } else if (!this.#items.delete(data.fingerprint)) return;
    this.#onChange();
  }

  /** Resolved within the last 24 h, newest first. */
  list(now = Date.now()): Item[] {
    for (const [fp, item] of this.#items)
      if (now - Date.parse(item.resolvedAt ?? item.alert.endsAt) > HISTORY_MS) this.#items.delete(fp);
    const at = (item: Item): string => item.resolvedAt ?? item.alert.endsAt;
    return [...this.#items.values()].sort((a, b) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0));
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
  readonly #silences: TopicState<SilencesState>;
  readonly #health: TopicState<HealthState>;
  readonly #resolved: ResolvedAlerts;
  readonly #actions: AlertActions;
  readonly #rows = new Map<string, { el: HTMLLIElement; signature: string }>();
  readonly #historyRows = new Map<string, { el: HTMLLIElement; signature: string }>();
  readonly #groups = new Map<string, { el: HTMLDetailsElement; count: HTMLElement; list: HTMLUListElement }>();
  readonly #collapsed = new Set<string>();
  readonly #toggleButtons = new Map<DisplayState, HTMLButtonElement>();
  readonly #shown = new Set<DisplayState>(LIVE_STATES);
  readonly #empty = h('p', { class: 'empty' });
  #populated = false;

  constructor(
    els: AlertsViewElements,
    topics: {
      alerts: TopicState<AlertsState>;
      silences: TopicState<SilencesState>;
      health: TopicState<HealthState>;
    },
    resolved: ResolvedAlerts,
    actions: AlertActions,
  ) {
    this.#els = els;
    this.#alerts = topics.alerts;
    this.#silences = topics.silences;
    this.#health = topics.health;
    this.#resolved = resolved;
    this.#actions = actions;
    for (const state of LIVE_STATES) {
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
    els.search.addEventListener('input', () => this.render());
    els.groupBy.addEventListener('change', () => this.render());
  }

  /** The label alerts are grouped by. */
  get groupLabel(): string {
    return this.#els.groupBy.value.trim() || 'alertname';
  }

  render(): void {
    const view = this.#alerts.get();
    const live = view.data.alerts;
    const silences = this.#silences.get().data.silences;
    const search = this.#els.search.value;
    const items: Item[] = live
      .filter((alert) => matchesText(alert, search))
      .map((alert) => ({ alert, state: displayState(alert) }));

    const counts = countByDisplayState(items.map((i) => i.alert));
    for (const [state, button] of this.#toggleButtons) setText(button, `${STATE_NAMES[state]} ${counts[state]}`);
    const visible = items
      .filter((item) => this.#shown.has(item.state))
      .sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state]);

    setText(this.#els.status, statusText(view.status));
    const searchNote = search.trim() === '' ? '' : ` containing “${search.trim()}”`;
    setText(this.#els.summary, `Showing ${visible.length} of ${live.length} alerts${searchNote}.`);

    const stale = staleSources(Object.values(this.#health.get().data.components ?? {}));
    this.#els.banner.hidden = stale.length === 0;
    setText(
      this.#els.banner,
      stale.map((s) => `${s.component} unreachable since ${formatTime(s.since)} — alerts may be stale.`).join(' '),
    );

    const seen = new Set<string>();
    const groupEls: HTMLElement[] = [];
    const label = this.groupLabel;
    for (const { value, items: groupItems } of groupByLabel(visible, label, (item) => item.alert.labels)) {
      const group = this.#group(label, value);
      setText(group.count, String(groupItems.length));
      syncChildren(
        group.list,
        groupItems.map((item) => {
          seen.add(item.alert.fingerprint);
          return this.#row(item, live, silences, this.#rows);
        }),
      );
      groupEls.push(group.el);
    }
    for (const key of [...this.#rows.keys()]) if (!seen.has(key)) this.#rows.delete(key);
    if (groupEls.length === 0) {
      setText(this.#empty, emptyText(view.status, live.length, items.length, stale.length > 0));
      groupEls.push(this.#empty);
    }
    syncChildren(this.#els.groups, groupEls);

    this.#renderHistory(live, silences);
    if (view.status !== 'pending') this.#populated = true;
  }

  #renderHistory(live: readonly Alert[], silences: SilencesState['silences']): void {
    const liveKeys = new Set(live.map((a) => a.fingerprint));
    const history = this.#resolved.list().filter((item) => {
      // A fingerprint in the store fires again (a snapshot can bring it back without an event).
      if (!liveKeys.has(item.alert.fingerprint)) return true;
      this.#resolved.forget(item.alert.fingerprint);
      return false;
    });
    setText(this.#els.historyCount, String(history.length));
    const rows = history.map((item) => this.#row(item, live, silences, this.#historyRows));
    const keys = new Set(history.map((i) => i.alert.fingerprint));
    for (const key of [...this.#historyRows.keys()]) if (!keys.has(key)) this.#historyRows.delete(key);
    if (rows.length === 0) rows.push(h('li', { class: 'empty' }, 'Nothing resolved in the last 24 hours.'));
    syncChildren(this.#els.historyList, rows);
  }

  #group(label: string, value: string) {
    const key = `${label}\u0000${value}`;
    let group = this.#groups.get(key);
    if (group === undefined) {
      const count = h('span', { class: 'count' });
      const silence = h('button', { type: 'button', class: 'ghost group-silence' }, 'Silence group…');
      const title = value === '' ? `no ${label}` : `${label}=${value}`;
      const heading = h('h3', {}, title, ' ', count);
      const list = h('ul', { class: 'alert-list', 'aria-label': `Alerts with ${title}` });
      // The button sits beside the summary, not in it: a button inside a summary is not reachable as such.
      const summary = h('summary', {}, heading);
      const el = h(
        'details',
        { class: 'label-group', 'data-group': value, open: !this.#collapsed.has(key) },
        summary,
        h('div', { class: 'group-actions' }, silence),
        list,
      );
      el.addEventListener('toggle', () => {
        if (el.open) this.#collapsed.delete(key);
        else this.#collapsed.add(key);
      });
      group = { el, count, list };
      this.#groups.set(key, group);
      silence.addEventListener('click', () => {
        const members = this.#alerts.get().data.alerts.filter((a) => (a.labels?.[label] ?? '') === value);
        this.#actions.silence(matchersFor(commonLabels(members)), `group ${title}`);
      });
    }
    return group;
  }

  #row(
    item: Item,
    live: readonly Alert[],
    silences: SilencesState['silences'],
    rows: Map<string, { el: HTMLLIElement; signature: string }>,
  ): HTMLLIElement {
    const key = item.alert.fingerprint;
    const why = [
      ...(item.alert.status?.silencedBy ?? []).map((id) => `Silenced by ${describeSilence(id, silences)}`),
      ...(item.alert.status?.inhibitedBy ?? []).map((fp) => `Inhibited by ${describeAlert(fp, live)}`),
    ];
    const signature = JSON.stringify([
      item.state,
      item.alert.labels,
      item.alert.annotations,
      item.alert.status,
      item.alert.startsAt,
      item.alert.endsAt,
      why,
    ]);
    let row = rows.get(key);
    if (row === undefined) {
      row = { el: h('li', { class: 'alert', 'data-fingerprint': key }), signature: '' };
      rows.set(key, row);
    }
    if (row.signature !== signature) {
      const changed = row.signature !== '' || this.#populated;
      row.signature = signature;
      this.#fillRow(row.el, item, item.state === 'resolved' ? [] : why);
      if (changed) flash(row.el);
    }
    return row.el;
  }

  #fillRow(el: HTMLLIElement, { alert, state, resolvedAt }: Item, why: readonly string[]): void {
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
    const labels = Object.entries(alert.labels ?? {}).filter(([name]) => name !== 'alertname');
    const summary = summaryOf(alert);
    const name = nameOf(alert);
    const links = linksOf(alert);
    let actions: HTMLElement | null = null;
    if (state !== 'resolved') {
      const silence = h('button', { type: 'button', class: 'ghost alert-silence' }, 'Silence…', hidden(` ${name}`));
      silence.addEventListener('click', () => this.#actions.silence(matchersFor(alert.labels ?? {}), name));
      const ack = h('button', { type: 'button', class: 'ghost alert-ack' }, 'Ack', hidden(` ${name}`));
      ack.addEventListener('click', () => this.#actions.acknowledge(alert));
      actions = h('div', { class: 'alert-actions' }, state === 'firing' ? ack : null, silence);
    }
    fill(
      el,
      h(
        'div',
        { class: 'alert-head' },
        h('span', { class: `badge state-${state}` }, STATE_NAMES[state]),
        h('h4', { class: 'alert-name' }, name),
        age,
      ),
      summary === '' ? null : h('p', { class: 'alert-summary' }, summary),
      labels.length === 0
        ? null
        : h(
            'ul',
            { class: 'labels', 'aria-label': 'Labels (select one to filter by it)' },
            labels.map(([n, v]) => {
              const b = h(
                'button',
                { type: 'button', class: 'label', title: `Filter by ${n}="${v}"` },
                h('span', { class: 'label-name' }, n),
                '=',
                h('span', { class: 'label-value' }, v),
              );
              b.addEventListener('click', () => this.#actions.filterBy(n, v));
              return h('li', {}, b);
            }),
          ),
      why.map((text) => h('p', { class: 'alert-why' }, text)),
      links.length === 0
        ? null
        : h(
            'p',
            { class: 'alert-links' },
            links.map((l) =>
              h(
                'a',
                {
                  class: `alert-link link-${l.label.toLowerCase()}`,
                  href: l.href,
                  target: '_blank',
                  rel: 'noopener noreferrer',
                },
                l.label,
                hidden(` of ${name}`),
              ),
            ),
          ),
      actions,
    );
  }
}

function hidden(text: string): HTMLElement {
  return h('span', { class: 'visually-hidden' }, text);
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

function emptyText(status: string, total: number, matching: number, staleSource: boolean): string {
  if (staleSource) return 'No alerts shown, but a source of alerts is unreachable: the list may be stale.';
  if (status === 'pending' && total === 0) return 'Waiting for alerts…';
  if (total === 0) return 'No alerts. All quiet.';
  if (matching === 0) return 'No alert matches the search.';
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
