/**
 * Alertmanager's API v2 on livegate, so amtool, Karma and Grafana's Alertmanager data source can be
 * pointed at livegate and see the union of every watched Alertmanager and the ingest.
 *
 * Read side (answered from the bus-derived `alerts` and `silences` state, so every node of a
 * cluster answers the same): `GET /api/v2/alerts`, `/alerts/groups`, `/silences`,
 * `/silence/{id}`, `/status`, `/receivers`. Fields Alertmanager refreshes on every re-send without
 * a state change (`endsAt`, `updatedAt`, annotations, receivers) come from the local watcher's last
 * poll when it has the alert. Receivers and groups follow each watched Alertmanager's own routing
 * tree (read from its `/api/v2/status`); alerts only the ingest holds go to a receiver named after
 * the ingest source, grouped by `alertname`.
 *
 * Write side: `POST /api/v2/silences` and `DELETE /api/v2/silence/{id}` are passed to the watched
 * Alertmanager that owns the matching alerts (or the silence), or to the one `?alertmanager=`
 * names; the watcher then runs a round at once, so `silence_created`/`silence_expired` reach
 * subscribers before the answer returns. Silencing alerts that only the ingest holds answers 501.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { stringify } from 'yaml';
import type { Labels } from '../../core/event.js';
import { compileFilter } from '../../core/filter.js';
import { compileMatchers, parseMatchers } from '../../core/matchers.js';
import { authorizeFilter } from '../../core/principal.js';
import { LivegateError } from '../../errors.js';
import type { AlertStateSource } from '../alerts/alert-state-source.js';
import type { LiveAlert, SilenceMatcher } from '../alerts/alert-model.js';
import type { AlertmanagerAnswer, AlertmanagerApi } from '../alertmanager/client.js';
import type { Source, SourceContext, SourceRoutes } from '../source.js';
import {
  compareGroupAlerts,
  compareGroups,
  compareSilences,
  toGettableAlert,
  toGettableSilence,
  type AlertGroup,
  type FreshAlert,
  type GettableAlert,
} from './gettable.js';
import {
  parsePostableSilence,
  readSilenceId,
  MAX_SILENCE_BODY_BYTES,
  type PostableSilence,
} from './postable-silence.js';
import { parseAlertQuery, parseSilenceQuery, type AlertQuery } from './query.js';
import { route, type RoutingConfig } from './route-tree.js';
import { StatusCache } from './status-cache.js';

/** What the API needs from the Alertmanager watcher. */
export interface WatchedAlertmanagers {
  /** Names in configuration order. */
  readonly alertmanagers: readonly string[];
  apiOf(name: string): AlertmanagerApi | undefined;
  latest(fp: string): FreshAlert | undefined;
  refresh(name: string): Promise<void>;
}

/** Options of {@link AlertmanagerApiSource}. */
export interface AlertmanagerApiOptions {
  /** Owner of the `alerts` and `silences` state. Required. */
  readonly state: Pick<AlertStateSource, 'alerts' | 'silences'>;
  /** The watcher, when Alertmanagers are watched. Defaults to none (reads only; silences answer 501). */
  readonly watcher?: WatchedAlertmanagers | undefined;
  /** Receiver name of alerts no watched Alertmanager holds. Defaults to `ingest`. */
  readonly ingestReceiver?: string;
  /** livegate's version, for `/api/v2/status` without a watched Alertmanager. Defaults to `0.0.0`. */
  readonly version?: string;
  /** Timeout of a write passed to an Alertmanager. Defaults to 10,000 ms. */
  readonly writeTimeoutMs?: number;
  /** Clock in epoch ms. Defaults to `Date.now`. */
  readonly now?: () => number;
}

/** Silence ids as Alertmanager makes them (UUIDs); bounded for the path parameter. */
const SILENCE_ID = /^[A-Za-z0-9-]{1,64}$/;

function silenceMatcherText(m: SilenceMatcher): string {
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

/** The `alertmanagerStatus` livegate answers when it watches no Alertmanager. */
function ingestStatus(receiver: string, version: string, startedAt: string): Record<string, unknown> {
  return {
    cluster: { peers: [], status: 'disabled' },
    config: {
      original: stringify({ route: { receiver, group_by: ['alertname'] }, receivers: [{ name: receiver }] }),
    },
    uptime: startedAt,
    versionInfo: { branch: 'livegate', buildDate: '', buildUser: '', goVersion: '', revision: '', version },
  };
}

/** See the module comment. */
export class AlertmanagerApiSource implements Source {
  readonly name = 'alertmanager-api';
  readonly routes: SourceRoutes = { prefix: '/api/v2', plugin: (app, ctx) => this.#register(app, ctx) };
  readonly #state: AlertmanagerApiOptions['state'];
  readonly #watcher: WatchedAlertmanagers | undefined;
  readonly #ingestReceiver: string;
  readonly #version: string;
  readonly #writeTimeoutMs: number;
  readonly #now: () => number;
  readonly #status: StatusCache;
  readonly #startedAt: string;

  constructor(options: AlertmanagerApiOptions) {
    this.#state = options.state;
    this.#watcher = options.watcher;
    this.#ingestReceiver = options.ingestReceiver ?? 'ingest';
    this.#version = options.version ?? '0.0.0';
    this.#writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    const watcher = this.#watcher;
    this.#status = new StatusCache(watcher?.alertmanagers ?? [], (name) => watcher?.apiOf(name), { now: this.#now });
    this.#startedAt = new Date(this.#now()).toISOString();
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  #register(app: FastifyInstance, ctx: SourceContext): void {
    // Tenancy: the caller sees only what a subscription of its own to the topic would show (its
    // topic rights, and every forced matcher of its token AND-ed in), as on the event stream.
    const visibleTo = (request: FastifyRequest, topic: 'alerts' | 'silences'): ((labels: Labels) => boolean) => {
      const filter = authorizeFilter(ctx.streams.authenticate(request), compileFilter({ topics: [topic] }));
      return (labels) => filter.matchesLabels(labels);
    };
    const scoped = <Q extends { readonly matches: (labels: Labels) => boolean }>(
      request: FastifyRequest,
      topic: 'alerts' | 'silences',
      query: Q,
    ): Q => {
      const visible = visibleTo(request, topic);
      return { ...query, matches: (labels: Labels) => visible(labels) && query.matches(labels) };
    };
    app.get('/alerts', async (request) => {
      const query = scoped(request, 'alerts', parseAlertQuery((request.query ?? {}) as Record<string, unknown>));
      await this.#status.refresh();
      return this.#alerts(query)
        .filter((a) => query.receiver === undefined || a.receivers.some((r) => query.receiver!(r.name)))
        .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
    });
    app.get('/alerts/groups', async (request) => {
      const query = scoped(request, 'alerts', parseAlertQuery((request.query ?? {}) as Record<string, unknown>));
      await this.#status.refresh();
      return this.#groups(query);
    });
    app.get('/silences', async (request) => {
      const query = scoped(request, 'silences', parseSilenceQuery((request.query ?? {}) as Record<string, unknown>));
      return [...this.#state.silences.values()]
        .map(toGettableSilence)
        .filter((s) => query.matches(Object.fromEntries(s.matchers.map((m) => [m.name, m.value]))))
        .sort(compareSilences);
    });
    app.get<{ Params: { id: string } }>('/silence/:id', async (request) => {
      const id = this.#silenceId(request.params.id);
      const visible = visibleTo(request, 'silences');
      const held = this.#silence(id);
      if (held !== undefined) {
        const silence = toGettableSilence(held);
        if (visible(Object.fromEntries(silence.matchers.map((m) => [m.name, m.value])))) return silence;
        throw new LivegateError('not_found', `no silence with id ${id}`, { field: 'id' });
      }
      // Silences livegate does not hold cannot be checked against the caller's scope.
      if (ctx.streams.authenticate(request).forced !== null)
        throw new LivegateError('not_found', `no silence with id ${id}`, { field: 'id' });
      // Expired silences are not livegate state; the Alertmanagers keep them for a while.
      for (const name of this.#watcher?.alertmanagers ?? []) {
        const api = this.#watcher?.apiOf(name);
        const found = await api
          ?.getJson(`/api/v2/silence/${id}`, AbortSignal.timeout(this.#writeTimeoutMs))
          .catch(() => undefined);
        if (found !== undefined) return found;
      }
      throw new LivegateError('not_found', `no silence with id ${id}`, { field: 'id' });
    });
    app.get('/status', async (request) => {
      const name = this.#namedAlertmanager((request.query ?? {}) as Record<string, unknown>);
      const names = name === undefined ? (this.#watcher?.alertmanagers ?? []) : [name];
      await this.#status.refresh(names);
      for (const n of names) {
        const status = this.#status.peek(n);
        if (status !== undefined) return status.raw;
      }
      if (names.length > 0)
        throw new LivegateError(
          'upstream_error',
          `no watched Alertmanager answered GET /api/v2/status (${names.join(', ')})`,
        );
      return ingestStatus(this.#ingestReceiver, this.#version, this.#startedAt);
    });
    app.get('/receivers', async () => {
      await this.#status.refresh();
      const names = new Set<string>();
      for (const n of this.#watcher?.alertmanagers ?? [])
        for (const receiver of this.#status.peek(n)?.routing?.receivers ?? []) names.add(receiver);
      if ([...this.#state.alerts.values()].some((a) => this.#alertmanagerOf(a) === undefined))
        names.add(this.#ingestReceiver);
      return [...names].map((n) => ({ name: n }));
    });
    // Silence writes go to a real Alertmanager: protected writes of the `silences` topic.
    const write = { access: 'write' as const, writesTopics: ['silences'] };
    app.post('/silences', { bodyLimit: MAX_SILENCE_BODY_BYTES, config: write }, async (request) => {
      const silence = parsePostableSilence(request.body);
      const target = this.#silenceOwner(silence, (request.query ?? {}) as Record<string, unknown>);
      const answer = await this.#send(target, 'POST', '/api/v2/silences', silence);
      const silenceID = readSilenceId(answer.text);
      if (silenceID === undefined)
        throw new LivegateError('upstream_error', `alertmanager ${target} answered without a silenceID`);
      await this.#watcher!.refresh(target);
      return { silenceID };
    });
    app.delete<{ Params: { id: string } }>('/silence/:id', { config: write }, async (request, reply) => {
      const id = this.#silenceId(request.params.id);
      const query = (request.query ?? {}) as Record<string, unknown>;
      const named = this.#namedAlertmanager(query);
      const watched = this.#requireWatcher().alertmanagers;
      const target = named ?? this.#silence(id)?.origins.find((o) => watched.includes(o)) ?? watched[0]!;
      await this.#send(target, 'DELETE', `/api/v2/silence/${id}`, undefined);
      await this.#watcher!.refresh(target);
      return reply.status(200).send();
    });
  }

  #silence(id: string) {
    for (const s of this.#state.silences.values()) if (s.id === id) return s;
    return undefined;
  }

  #silenceId(id: string): string {
    if (!SILENCE_ID.test(id))
      throw new LivegateError('invalid_param', 'a silence id is 1–64 letters, digits and dashes', { field: 'id' });
    return id;
  }

  #requireWatcher(): WatchedAlertmanagers {
    if (this.#watcher === undefined || this.#watcher.alertmanagers.length === 0)
      throw new LivegateError(
        'not_implemented',
        'silences need a watched Alertmanager: livegate only passes them on; configure `alertmanagers` (alerts that only came through the ingest cannot be silenced)',
      );
    return this.#watcher;
  }

  #namedAlertmanager(query: Record<string, unknown>): string | undefined {
    const name = query['alertmanager'];
    if (name === undefined) return undefined;
    if (typeof name !== 'string')
      throw new LivegateError('invalid_param', 'give ?alertmanager= once', { field: 'alertmanager' });
    const watched = this.#requireWatcher().alertmanagers;
    if (!watched.includes(name))
      throw new LivegateError(
        'not_found',
        `no watched Alertmanager is named ${JSON.stringify(name.slice(0, 80))}; watched: ${watched.join(', ')}`,
        { field: 'alertmanager' },
      );
    return name;
  }

  /** The first watched Alertmanager (in configuration order) among an alert's origins. */
  #alertmanagerOf(alert: LiveAlert): string | undefined {
    return this.#watcher?.alertmanagers.find((n) => alert.origins.includes(n));
  }

  /** Where a new silence goes; see the module comment. */
  #silenceOwner(silence: PostableSilence, query: Record<string, unknown>): string {
    const named = this.#namedAlertmanager(query);
    if (named !== undefined) return named;
    const watcher = this.#watcher;
    const watched = watcher?.alertmanagers ?? [];
    if (silence.id !== undefined) {
      const owner = this.#silence(silence.id)?.origins.find((o) => watched.includes(o));
      if (owner !== undefined) return owner;
    }
    const matches = compileMatchers(
      parseMatchers(silence.matchers.map((m) => silenceMatcherText({ isEqual: true, ...m })).join(',')),
    );
    const matching = [...this.#state.alerts.values()].filter((a) => matches(a.labels));
    for (const name of watched) if (matching.some((a) => a.origins.includes(name))) return name;
    if (matching.length > 0 || watched.length === 0)
      throw new LivegateError(
        'not_implemented',
        matching.length > 0
          ? `the ${matching.length} alert(s) these matchers select came only through the ingest; silences need a watched Alertmanager that holds the alerts (configure \`alertmanagers\`, and send the alerts to it)`
          : 'silences need a watched Alertmanager: livegate only passes them on; configure `alertmanagers`',
      );
    return watched[0]!;
  }

  async #send(target: string, method: 'POST' | 'DELETE', path: string, body: unknown): Promise<AlertmanagerAnswer> {
    const api = this.#requireWatcher().apiOf(target);
    if (api === undefined) throw new LivegateError('upstream_error', 'the Alertmanager watcher has not started yet');
    let answer: AlertmanagerAnswer;
    try {
      answer = await api.send(method, path, body, AbortSignal.timeout(this.#writeTimeoutMs));
    } catch (err) {
      throw new LivegateError('upstream_error', `alertmanager ${target}: ${(err as Error).message}`, { cause: err });
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    const said = answer.text.trim().slice(0, 300);
    const message = `alertmanager ${target} refused ${method} ${path} (HTTP ${answer.status}): ${said}`;
    if (answer.status === 404) throw new LivegateError('not_found', message);
    if (answer.status === 400 || answer.status === 422)
      throw new LivegateError('invalid_body', message, { field: 'body' });
    throw new LivegateError('upstream_error', message);
  }

  /** The routing tree an alert follows, or `undefined` for the ingest's default route. */
  #routingOf(alert: LiveAlert): RoutingConfig | undefined {
    const am = this.#alertmanagerOf(alert);
    return am === undefined ? undefined : this.#status.peek(am)?.routing;
  }

  #destinations(alert: LiveAlert): { key: string; receiver: string; labels: Labels }[] {
    const routing = this.#routingOf(alert);
    const am = this.#alertmanagerOf(alert);
    if (routing === undefined) {
      const receiver = am === undefined ? this.#ingestReceiver : am;
      const labels: Labels = alert.labels['alertname'] === undefined ? {} : { alertname: alert.labels['alertname'] };
      return [{ key: `${receiver}|-`, receiver, labels }];
    }
    return route(routing, alert.labels).map((d) => ({
      key: `${am}|${d.route.index}`,
      receiver: d.route.receiver,
      labels: d.groupLabels,
    }));
  }

  #receivers(alert: LiveAlert, fresh: FreshAlert | undefined): string[] {
    // Sorted: Alertmanager's own order comes from a Go map and varies between answers.
    if (fresh !== undefined && fresh.receivers.length > 0) return [...fresh.receivers].sort();
    return [...new Set(this.#destinations(alert).map((d) => d.receiver))].sort();
  }

  #passes(alert: LiveAlert, query: AlertQuery, nowIso: string, fresh: FreshAlert | undefined): boolean {
    const { state, silencedBy, inhibitedBy } = alert.status;
    if (state === 'resolved') return false;
    const endsAt = fresh !== undefined && fresh.endsAt > alert.endsAt ? fresh.endsAt : alert.endsAt;
    if (endsAt < nowIso) return false;
    if (!query.active && state === 'active') return false;
    if (!query.unprocessed && state === 'unprocessed') return false;
    if (!query.silenced && silencedBy.length > 0) return false;
    if (!query.inhibited && inhibitedBy.length > 0) return false;
    return query.matches(alert.labels);
  }

  #alerts(query: AlertQuery): GettableAlert[] {
    const nowIso = new Date(this.#now()).toISOString();
    const out: GettableAlert[] = [];
    for (const alert of this.#state.alerts.values()) {
      const fresh = this.#watcher?.latest(alert.fingerprint);
      if (!this.#passes(alert, query, nowIso, fresh)) continue;
      out.push(toGettableAlert(alert, this.#receivers(alert, fresh), fresh));
    }
    return out;
  }

  #groups(query: AlertQuery): AlertGroup[] {
    const nowIso = new Date(this.#now()).toISOString();
    const groups = new Map<string, { alerts: GettableAlert[]; labels: Labels; receiver: { name: string } }>();
    for (const alert of this.#state.alerts.values()) {
      const fresh = this.#watcher?.latest(alert.fingerprint);
      if (!this.#passes(alert, query, nowIso, fresh)) continue;
      const gettable = toGettableAlert(alert, this.#receivers(alert, fresh), fresh);
      for (const d of this.#destinations(alert)) {
        if (query.receiver !== undefined && !query.receiver(d.receiver)) continue;
        const key = `${d.key}|${JSON.stringify(Object.entries(d.labels).sort())}`;
        let group = groups.get(key);
        if (group === undefined) {
          group = { alerts: [], labels: d.labels, receiver: { name: d.receiver } };
          groups.set(key, group);
        }
        group.alerts.push(gettable);
      }
    }
    const list = [...groups.values()];
    for (const g of list) g.alerts.sort(compareGroupAlerts);
    return list.sort(compareGroups);
  }
}
