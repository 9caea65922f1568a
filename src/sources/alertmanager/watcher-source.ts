/**
 * The Alertmanager watcher: polls one or more Alertmanagers through API v2 (`GET /api/v2/alerts`
 * and `/api/v2/silences`), merges what they report (de-duplicated by fingerprint and silence id,
 * tagged with their origins, see `diff.ts`) and publishes what changed on the `alerts` and
 * `silences` topics. Each Alertmanager's reachability is the health component
 * `alertmanager/<name>`.
 *
 * Scheduling. One loop serves every Alertmanager, so rounds never overlap: a round polls, in
 * parallel, every Alertmanager that is due (and every one a webhook asked for), then evaluates the
 * merged view once and publishes the drafts in one append (silence changes first, so
 * `silence_created` precedes the `alert_silenced` it causes). Alertmanagers with the same interval
 * stay in step, so an alert that two of them report appears once with both origins. A webhook
 * (`POST /api/v2/webhooks/alertmanager`) asks for an immediate round of its Alertmanager; requests
 * that arrive during a round are coalesced into one round right after it. A webhook round does not
 * move the Alertmanager's regular schedule.
 *
 * Failures. An Alertmanager that does not answer, answers an error or answers something that is
 * not API v2 keeps its last good view (its alerts resolve when their `endsAt` passes, as they would
 * in Alertmanager itself) and is reported unhealthy with a detail naming the problem. Nothing it
 * answers can throw out of a round.
 *
 * Recovery. Alertmanager keeps alerts in memory only: after a restart it lists none until the
 * senders re-send them (Prometheus: every `--rules.alert.resend-delay`, 1 m by default). So for a
 * grace period after an Alertmanager comes back from a failure, alerts of its last good view that
 * it does not list yet are kept until their own `endsAt`, instead of being published as resolved
 * and then created again a minute later.
 */
import type { FastifyInstance } from 'fastify';
import { deadline } from '../../core/deadline.js';
import { LivegateError } from '../../errors.js';
import { formatTime } from '@livegate/protocol';
import type { LiveAlert, Silence } from '../alerts/alert-model.js';
import type { Source, SourceContext, SourceRoutes } from '../source.js';
import { parseGettableAlerts, parseGettableSilences, type AmAlert, type AmSilence } from './api-types.js';
import { AlertmanagerRequestError, HttpAlertmanagerClient, type AlertmanagerApi } from './client.js';
import { alertmanagerSource, MultiOriginAlerts, MultiOriginSilences } from './diff.js';
import { parseWebhookPayload } from './webhook-payload.js';
import type { AlertmanagerTarget } from '../../config/alertmanagers.js';
import { NO_WATCH_TELEMETRY, type WatchTelemetry } from './watch-telemetry.js';

/** Path of the webhook receiver. */
export const WEBHOOK_PATH = '/api/v2/webhooks/alertmanager';

/**
 * Cluster channel on which a node that does not run the watcher (it does not hold the lease)
 * passes a round request (a webhook, a write) to the node that does; the message is the name of
 * the Alertmanager.
 */
export const ROUND_REQUEST_CHANNEL = 'alertmanager:round';

/** Options of {@link AlertmanagerWatcher}. */
export interface AlertmanagerWatcherOptions {
  /** Clock in epoch ms. Defaults to `Date.now`. */
  readonly now?: () => number;
  /** Builds the API client of one Alertmanager. Defaults to {@link HttpAlertmanagerClient.create}. */
  readonly connect?: (target: AlertmanagerTarget) => Promise<AlertmanagerApi>;
  /** How long after a recovery alerts missing from an Alertmanager's answer are kept (see the module comment). Defaults to 90,000 ms. */
  readonly recoveryGraceMs?: number;
  /** Largest webhook body. Defaults to 16 MiB (Alertmanager sends whole alert groups unless `max_alerts` is set). */
  readonly webhookBodyLimitBytes?: number;
  /**
   * The alerts and silences already published on the bus, read at every start. The watcher
   * continues from them instead of from nothing, so a node that takes over from another (a new
   * leader in a cluster) or a restarted watcher publishes only what changed since. Defaults to none.
   */
  readonly publishedState?: () => { alerts: Iterable<LiveAlert>; silences: Iterable<Silence> };
  /** Receives each Alertmanager's poll outcome (requests, errors, duration) for metrics. Defaults to none. */
  readonly telemetry?: WatchTelemetry;
}

/** Defaults of {@link AlertmanagerWatcherOptions}. */
export const WATCHER_DEFAULTS = {
  recoveryGraceMs: 90_000,
  webhookBodyLimitBytes: 16 * 1024 * 1024,
} as const;

/** A timer may fire a little early; targets due within this many ms join the round. */
const DUE_SLACK_MS = 20;

const ALERTS_PATH = '/api/v2/alerts';
const SILENCES_PATH = '/api/v2/silences';

interface TargetState {
  readonly target: AlertmanagerTarget;
  readonly component: string;
  api: AlertmanagerApi | undefined;
  nextDueAt: number;
  /** The last alerts request failed: the next good answer is a recovery. */
  alertsFailing: boolean;
  /** Until then, alerts of `lastAlerts` missing from an answer are kept until their `endsAt`. */
  graceUntil: number;
  lastAlerts: ReadonlyMap<string, AmAlert>;
}

interface PollResult {
  readonly state: TargetState;
  readonly alerts: AmAlert[] | undefined;
  readonly silences: AmSilence[] | undefined;
  readonly problems: string[];
}

/** Normalises a URL for comparing webhook `externalURL`s: no trailing slash, lower-case host. */
function normalizeUrl(text: string): string | undefined {
  try {
    return new URL(text).href.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

/** The `alertmanager` source: watches the configured Alertmanagers. See the module comment. */
export class AlertmanagerWatcher implements Source {
  readonly name = 'alertmanager';
  /** Watches outside systems: one node of a cluster runs it (see `Source.perCluster`). */
  readonly perCluster = true;
  readonly #states = new Map<string, TargetState>();
  readonly #alerts = new MultiOriginAlerts();
  readonly #silences = new MultiOriginSilences();
  readonly #now: () => number;
  readonly #connect: (target: AlertmanagerTarget) => Promise<AlertmanagerApi>;
  readonly #recoveryGraceMs: number;
  readonly #webhookBodyLimitBytes: number;
  readonly #publishedState: AlertmanagerWatcherOptions['publishedState'];
  readonly #telemetry: WatchTelemetry;
  readonly #requested = new Set<string>();
  #abort = new AbortController();
  #ctx: SourceContext | undefined;
  /** The context the routes were registered with: on every node, running the watcher or not. */
  #routeCtx: SourceContext | undefined;
  #stopRequests: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #rounds = 0;
  /** Callers of {@link refresh} waiting for the next round to start. */
  #waiting: (() => void)[] = [];

  constructor(targets: readonly AlertmanagerTarget[], options: AlertmanagerWatcherOptions = {}) {
    if (targets.length === 0)
      throw new TypeError('AlertmanagerWatcher: give at least one Alertmanager ({ name, url })');
    for (const target of targets) {
      if (this.#states.has(target.name))
        throw new TypeError(`AlertmanagerWatcher: the name "${target.name}" is used twice; names must be unique`);
      this.#states.set(target.name, {
        target,
        component: alertmanagerSource(target.name),
        api: undefined,
        nextDueAt: 0,
        alertsFailing: false,
        graceUntil: 0,
        lastAlerts: new Map(),
      });
    }
    this.#now = options.now ?? Date.now;
    this.#connect = options.connect ?? ((target) => HttpAlertmanagerClient.create(target));
    this.#recoveryGraceMs = options.recoveryGraceMs ?? WATCHER_DEFAULTS.recoveryGraceMs;
    this.#webhookBodyLimitBytes = options.webhookBodyLimitBytes ?? WATCHER_DEFAULTS.webhookBodyLimitBytes;
    this.#publishedState = options.publishedState;
    this.#telemetry = options.telemetry ?? NO_WATCH_TELEMETRY;
    if (!(this.#recoveryGraceMs >= 0)) throw new TypeError('AlertmanagerWatcher: recoveryGraceMs must be >= 0');
  }

  /** Names of the watched Alertmanagers, in configuration order. */
  get alertmanagers(): string[] {
    return [...this.#states.keys()];
  }

  /** Rounds completed so far (for tests and debugging). */
  get rounds(): number {
    return this.#rounds;
  }

  /** `POST /api/v2/webhooks/alertmanager`: a webhook from a watched Alertmanager triggers a round. */
  readonly routes: SourceRoutes = {
    prefix: WEBHOOK_PATH,
    plugin: (app, ctx) => {
      this.#routeCtx = ctx;
      this.#register(app);
    },
  };

  #register(app: FastifyInstance): void {
    // The webhook only triggers a poll round, but a flood of them is a write: protected like one.
    const options = {
      bodyLimit: this.#webhookBodyLimitBytes,
      config: { access: 'write' as const, writesTopics: ['alerts'] },
    };
    app.post('/', options, async (request, reply) => {
      const parsed = parseWebhookPayload(request.body);
      if (!parsed.ok)
        throw new LivegateError('invalid_body', parsed.error.message, { field: parsed.error.field || 'body' });
      const state = this.#webhookTarget((request.query ?? {}) as Record<string, unknown>, parsed.value.externalURL);
      this.#requestRound(state.target.name);
      return reply.status(202).send({ alertmanager: state.target.name, round: 'scheduled' });
    });
  }

  /**
   * Starts watching. A watcher can be started again after {@link stop} (a cluster node that loses
   * and regains leadership does so); each start continues from {@link AlertmanagerWatcherOptions.publishedState}.
   */
  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#stopped = false;
    // Round requests that reached other nodes (webhooks sent to any node behind the balancer).
    this.#stopRequests = ctx.cluster?.channel.subscribe(ROUND_REQUEST_CHANNEL, (name) => {
      if (this.#states.has(name)) this.trigger(name);
    });
    this.#abort = new AbortController();
    const published = this.#publishedState?.();
    if (published !== undefined) {
      const origins = [...this.#states.keys()];
      this.#alerts.resume(published.alerts, origins);
      this.#silences.resume(published.silences, origins);
    }
    try {
      for (const state of this.#states.values()) state.api = await this.#connect(state.target);
    } catch (err) {
      for (const state of this.#states.values()) state.api?.close();
      throw err;
    }
    const now = this.#now();
    for (const state of this.#states.values()) state.nextDueAt = now;
    // The first round runs in the background: an Alertmanager that is down must not hold up start-up.
    this.#kick();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopRequests?.();
    this.#stopRequests = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort(new Error('watcher stopped'));
    await this.#running;
    for (const resolve of this.#waiting.splice(0)) resolve();
    for (const state of this.#states.values()) state.api?.close();
  }

  /** Asks for a round of one Alertmanager as soon as possible (coalesced with a running round). */
  trigger(name: string): void {
    if (!this.#states.has(name)) throw new TypeError(`AlertmanagerWatcher: no Alertmanager named "${name}"`);
    this.#requested.add(name);
    this.#kick();
  }

  /**
   * Asks for a round of one Alertmanager and resolves once a round that started after this call
   * has published (or the watcher stopped). Used after a write (a silence) so the change reaches
   * subscribers without waiting for the poll interval.
   */
  refresh(name: string): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.#stopped || this.#ctx === undefined) {
        // Another node runs the watcher: ask it for the round; its result arrives as events.
        this.#requestRound(name);
        return resolve();
      }
      this.#waiting.push(resolve);
      this.trigger(name);
    });
  }

  /** A round of `name` here when the watcher runs on this node, else on the node that runs it. */
  #requestRound(name: string): void {
    if (!this.#stopped && this.#ctx !== undefined) this.trigger(name);
    else this.#routeCtx?.cluster?.channel.publish(ROUND_REQUEST_CHANNEL, name);
  }

  /** The API client of a watched Alertmanager (after start), for writes passed through. */
  apiOf(name: string): AlertmanagerApi | undefined {
    return this.#states.get(name)?.api;
  }

  /**
   * The freshest copy of an alert as the watched Alertmanagers last answered it (latest
   * `updatedAt` wins), or `undefined`. Published events carry the alert as it was when its state
   * changed; this has its current `endsAt`, `updatedAt`, annotations and receivers.
   */
  latest(fp: string): AmAlert | undefined {
    let best: AmAlert | undefined;
    for (const state of this.#states.values()) {
      const alert = state.lastAlerts.get(fp);
      if (alert !== undefined && (best === undefined || alert.updatedAt > best.updatedAt)) best = alert;
    }
    return best;
  }

  /** Resolves when no round is running (for tests). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  #webhookTarget(query: Record<string, unknown>, externalURL: string): TargetState {
    const watched = this.alertmanagers.join(', ');
    const name = query['alertmanager'];
    if (name !== undefined) {
      if (typeof name !== 'string')
        throw new LivegateError('invalid_param', 'give ?alertmanager= once', { field: 'alertmanager' });
      const state = this.#states.get(name);
      if (state === undefined) {
        throw new LivegateError(
          'not_found',
          `no watched Alertmanager is named ${JSON.stringify(name.slice(0, 80))}; watched: ${watched}`,
          { field: 'alertmanager' },
        );
      }
      return state;
    }
    const wanted = normalizeUrl(externalURL);
    for (const state of this.#states.values()) {
      if (wanted !== undefined && (wanted === state.target.url || wanted === state.target.externalUrl)) return state;
    }
    throw new LivegateError(
      'not_found',
      `no watched Alertmanager has the externalURL ${JSON.stringify(externalURL.slice(0, 200))}; add ?alertmanager=<name> to the webhook URL or set externalUrl in its config (watched: ${watched})`,
      { field: 'externalURL' },
    );
  }

  /** Starts a round now unless one is running (which then re-checks when it ends). */
  #kick(): void {
    if (this.#stopped || this.#ctx === undefined || this.#running !== undefined) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#run(), 0);
  }

  #run(): void {
    this.#timer = undefined;
    if (this.#stopped || this.#running !== undefined) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#running = this.#round()
      .catch((err: unknown) => this.#ctx?.log.error({ err }, 'alertmanager watch round failed'))
      .finally(() => {
        this.#running = undefined;
        for (const resolve of waiting) resolve();
        this.#schedule();
      });
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#requested.size > 0) {
      this.#kick();
      return;
    }
    let next = Infinity;
    for (const state of this.#states.values()) next = Math.min(next, state.nextDueAt);
    this.#timer = setTimeout(() => this.#run(), Math.max(0, next - this.#now()));
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    const ctx = this.#ctx!;
    const started = this.#now();
    const polled: TargetState[] = [];
    for (const state of this.#states.values()) {
      const scheduled = state.nextDueAt <= started + DUE_SLACK_MS;
      if (scheduled) state.nextDueAt = started + state.target.intervalMs;
      if (scheduled || this.#requested.has(state.target.name)) polled.push(state);
    }
    this.#requested.clear();
    const results = await Promise.all(polled.map((state) => this.#poll(state)));
    if (this.#stopped) return;
    const now = this.#now();
    for (const result of results) this.#apply(result, now, ctx);
    const drafts = [...this.#silences.evaluate(now), ...this.#alerts.evaluate(now)];
    this.#rounds += 1;
    if (drafts.length > 0) {
      await ctx
        .publish(drafts)
        .catch((err: unknown) =>
          ctx.log.error({ err, events: drafts.length }, 'could not publish Alertmanager changes'),
        );
    }
  }

  async #poll(state: TargetState): Promise<PollResult> {
    const pollBy = deadline(this.#abort.signal, state.target.timeoutMs);
    const signal = pollBy.signal;
    const api = state.api!;
    const started = performance.now();
    const [alertsAnswer, silencesAnswer] = await Promise.allSettled([
      api.getJson(ALERTS_PATH, signal),
      api.getJson(SILENCES_PATH, signal),
    ]);
    pollBy.clear();
    const problems: string[] = [];
    const read = <T>(
      answer: PromiseSettledResult<unknown>,
      path: string,
      parse: (json: unknown) => ReturnType<typeof parseGettableAlerts> | ReturnType<typeof parseGettableSilences>,
    ): T | undefined => {
      if (answer.status === 'rejected') {
        const err = answer.reason as unknown;
        problems.push(
          err instanceof AlertmanagerRequestError
            ? err.message
            : `GET ${path}: ${err instanceof Error ? err.message : String(err)}`,
        );
        return undefined;
      }
      const parsed = parse(answer.value);
      if (!parsed.ok) {
        problems.push(
          `GET ${path}: not an API v2 answer: ${parsed.error.field === '' ? '' : `${parsed.error.field} `}${parsed.error.message}`,
        );
        return undefined;
      }
      return parsed.value as T;
    };
    const alerts = read<AmAlert[]>(alertsAnswer, ALERTS_PATH, parseGettableAlerts);
    const silences = read<AmSilence[]>(silencesAnswer, SILENCES_PATH, parseGettableSilences);
    // A poll cut short by stop() says nothing about the Alertmanager.
    if (!this.#stopped)
      this.#telemetry.polled({
        alertmanager: state.target.name,
        requests: 2,
        errors: problems.length,
        durationSeconds: (performance.now() - started) / 1000,
        endedAt: this.#now(),
      });
    return { state, alerts, silences, problems };
  }

  #apply(result: PollResult, now: number, ctx: SourceContext): void {
    const { state, problems } = result;
    const name = state.target.name;
    if (result.alerts !== undefined) {
      if (state.alertsFailing) state.graceUntil = now + this.#recoveryGraceMs;
      state.alertsFailing = false;
      const view = now < state.graceUntil ? keepMissing(result.alerts, state.lastAlerts, now) : result.alerts;
      state.lastAlerts = new Map(view.map((a) => [a.fingerprint, a]));
      this.#alerts.setView(name, view);
    } else {
      state.alertsFailing = true;
    }
    if (result.silences !== undefined) this.#silences.setView(name, result.silences);
    if (problems.length === 0) ctx.setHealth(state.component, 'healthy', state.target.url);
    else {
      ctx.setHealth(state.component, 'unhealthy', `${state.target.url}: ${problems.join('; ')}`);
      ctx.log.debug({ alertmanager: name, problems }, 'alertmanager round failed');
    }
  }
}

/** `answer` plus the alerts of `last` it does not list whose `endsAt` is still ahead. */
function keepMissing(answer: AmAlert[], last: ReadonlyMap<string, AmAlert>, now: number): AmAlert[] {
  if (last.size === 0) return answer;
  const listed = new Set(answer.map((a) => a.fingerprint));
  const nowIso = formatTime(now);
  const kept = [...answer];
  for (const [fp, alert] of last) if (!listed.has(fp) && alert.endsAt > nowIso) kept.push(alert);
  return kept;
}
