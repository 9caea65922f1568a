import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { testSourceContext } from '../../harness/source-context.js';
import type { EventDraft } from '../../../src/core/event.js';
import { installErrorHandling } from '../../../src/http/error-handler.js';
import { AlertmanagerRequestError, type AlertmanagerApi } from '../../../src/sources/alertmanager/client.js';
import { registerSourceRoutes } from '../../../src/http/source-routes.js';
import type { AlertmanagerTarget } from '../../../src/config/alertmanagers.js';
import { AlertmanagerWatcher, WEBHOOK_PATH } from '../../../src/sources/alertmanager/watcher-source.js';
import type { HealthStatus, SourceContext } from '../../../src/sources/source.js';
import { waitFor } from '../../harness/wait.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** A GET /api/v2/alerts item as Alertmanager 0.25 writes it. */
function amAlert(
  name: string,
  now: number,
  status: Record<string, unknown> = { state: 'active', silencedBy: [], inhibitedBy: [] },
): Record<string, unknown> {
  return {
    fingerprint: `fp${name}`,
    labels: { alertname: name, severity: 'critical' },
    annotations: {},
    startsAt: iso(now - 60_000),
    endsAt: iso(now + 4 * 60_000),
    updatedAt: iso(now - 1000),
    generatorURL: '',
    receivers: [{ name: 'web' }],
    status,
  };
}

function amSilence(id: string, now: number): Record<string, unknown> {
  return {
    id,
    status: { state: 'active' },
    updatedAt: iso(now),
    comment: 'known issue',
    createdBy: 'carol',
    startsAt: iso(now),
    endsAt: iso(now + 3_600_000),
    matchers: [{ isEqual: true, isRegex: false, name: 'alertname', value: 'A' }],
  };
}

/** A scripted Alertmanager: each path answers what the test last set (a value, or an error to throw). */
class FakeAlertmanager implements AlertmanagerApi {
  answers: Record<string, unknown> = { '/api/v2/alerts': [], '/api/v2/silences': [] };
  requests: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** When set, requests wait for it before answering. */
  gate: Promise<void> | undefined;
  closed = false;

  async send(method: string, path: string): Promise<{ status: number; text: string }> {
    this.requests.push(`${method} ${path}`);
    return { status: 200, text: '{}' };
  }

  async getJson(path: string): Promise<unknown> {
    this.requests.push(path);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate !== undefined) await this.gate;
      const answer = this.answers[path];
      if (answer instanceof Error) throw answer;
      return structuredClone(answer);
    } finally {
      this.inFlight -= 1;
    }
  }

  close(): void {
    this.closed = true;
  }
}

interface Harness {
  watcher: AlertmanagerWatcher;
  published: EventDraft[][];
  health: { component: string; status: HealthStatus; detail: string | undefined }[];
  clock: { now: number };
  fakes: Map<string, FakeAlertmanager>;
  ctx: SourceContext;
}

const started: AlertmanagerWatcher[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.stop()));
});

function target(name: string, overrides: Partial<AlertmanagerTarget> = {}): AlertmanagerTarget {
  return { name, url: `http://${name}.example:9093`, intervalMs: 600_000, timeoutMs: 1000, ...overrides };
}

async function startWatcher(
  targets: AlertmanagerTarget[],
  options: { recoveryGraceMs?: number } = {},
): Promise<Harness> {
  const clock = { now: T0 };
  const fakes = new Map(targets.map((t) => [t.name, new FakeAlertmanager()]));
  const published: EventDraft[][] = [];
  const health: Harness['health'] = [];
  const watcher = new AlertmanagerWatcher(targets, {
    now: () => clock.now,
    connect: async (t) => fakes.get(t.name)!,
    ...options,
  });
  const ctx: SourceContext = testSourceContext({
    publish: async (drafts) => {
      published.push([...drafts]);
      return drafts.map((_, i) => `id-${i}`);
    },
    setHealth: (component, status, detail) => void health.push({ component, status, detail }),
  });
  await watcher.start(ctx);
  started.push(watcher);
  return { watcher, published, health, clock, fakes, ctx };
}

/** Waits until the watcher completed `n` rounds in total. */
async function rounds(h: Harness, n: number): Promise<void> {
  await waitFor(() => h.watcher.rounds >= n, { timeoutMs: 2000, what: `${n} watcher rounds` });
  await h.watcher.idle();
}

const typesOf = (batch: EventDraft[] | undefined) => (batch ?? []).map((d) => d.type);

describe('AlertmanagerWatcher rounds', () => {
  it('polls every Alertmanager at start and publishes silence changes before the alert changes they cause, in one batch', async () => {
    const h = await startWatcher([target('prod')]);
    await rounds(h, 1);
    expect(h.published).toEqual([]);
    const fake = h.fakes.get('prod')!;
    fake.answers = {
      '/api/v2/alerts': [amAlert('A', T0, { state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] })],
      '/api/v2/silences': [amSilence('s1', T0)],
    };
    h.watcher.trigger('prod');
    await rounds(h, 2);
    expect(h.published).toHaveLength(1);
    expect(typesOf(h.published[0])).toEqual(['silence_created', 'alert_created', 'alert_silenced']);
    expect(h.published[0]![1]).toMatchObject({
      topic: 'alerts',
      source: 'alertmanager/prod',
      labels: { alertname: 'A', severity: 'critical' },
      data: { origins: ['prod'] },
    });
    expect(h.health.at(-1)).toEqual({
      component: 'alertmanager/prod',
      status: 'healthy',
      detail: 'http://prod.example:9093',
    });
  });

  it('reports a malformed answer as unhealthy naming the field, keeps the last good view and publishes nothing', async () => {
    const h = await startWatcher([target('prod')]);
    const fake = h.fakes.get('prod')!;
    fake.answers['/api/v2/alerts'] = [amAlert('A', T0)];
    await rounds(h, 1);
    expect(typesOf(h.published[0])).toEqual(['alert_created', 'alert_firing']);
    fake.answers['/api/v2/alerts'] = [{ ...amAlert('A', T0), status: { state: 'sleeping' } }];
    h.watcher.trigger('prod');
    await rounds(h, 2);
    expect(h.health.at(-1)).toEqual({
      component: 'alertmanager/prod',
      status: 'unhealthy',
      detail:
        'http://prod.example:9093: GET /api/v2/alerts: not an API v2 answer: [0].status.state must be one of "active", "suppressed", "unprocessed"',
    });
    expect(h.published).toHaveLength(1);
    fake.answers['/api/v2/alerts'] = { not: 'a list' };
    fake.answers['/api/v2/silences'] = new AlertmanagerRequestError(
      'GET /api/v2/silences: answered HTTP 503: "unavailable"',
    );
    h.watcher.trigger('prod');
    await rounds(h, 3);
    expect(h.health.at(-1)?.detail).toBe(
      'http://prod.example:9093: GET /api/v2/alerts: not an API v2 answer: must be an array; GET /api/v2/silences: answered HTTP 503: "unavailable"',
    );
    expect(h.published).toHaveLength(1);
  });

  it('keeps alerts missing right after a recovery until their endsAt, instead of resolving and re-creating them', async () => {
    const h = await startWatcher([target('prod')]);
    const fake = h.fakes.get('prod')!;
    fake.answers['/api/v2/alerts'] = [amAlert('A', T0), amAlert('B', T0)];
    await rounds(h, 1);
    fake.answers['/api/v2/alerts'] = new AlertmanagerRequestError(
      'GET /api/v2/alerts: connect ECONNREFUSED 10.0.0.1:9093',
    );
    h.watcher.trigger('prod');
    await rounds(h, 2);
    expect(h.health.at(-1)?.status).toBe('unhealthy');
    // Restarted: it lists nothing until the senders re-send.
    h.clock.now = T0 + 10_000;
    fake.answers['/api/v2/alerts'] = [];
    h.watcher.trigger('prod');
    await rounds(h, 3);
    expect(h.health.at(-1)?.status).toBe('healthy');
    expect(h.published.flat().map((d) => d.type)).toEqual([
      'alert_created',
      'alert_firing',
      'alert_created',
      'alert_firing',
    ]);
    fake.answers['/api/v2/alerts'] = [amAlert('A', T0 + 12_000)];
    h.clock.now = T0 + 12_000;
    h.watcher.trigger('prod');
    await rounds(h, 4);
    expect(h.published).toHaveLength(1);
    // B was never re-sent: it resolves once its own endsAt (T0 + 4 min) passes.
    h.clock.now = T0 + 4 * 60_000 + 1;
    h.watcher.trigger('prod');
    await rounds(h, 5);
    expect(h.published.map(typesOf)).toEqual([
      ['alert_created', 'alert_firing', 'alert_created', 'alert_firing'],
      ['alert_resolved'],
    ]);
    expect((h.published[1]![0]!.data as { labels: Record<string, string> }).labels['alertname']).toBe('B');
  });

  it('resolves an alert that disappears outside the grace period at once', async () => {
    const h = await startWatcher([target('prod')], { recoveryGraceMs: 0 });
    const fake = h.fakes.get('prod')!;
    fake.answers['/api/v2/alerts'] = [amAlert('A', T0)];
    await rounds(h, 1);
    fake.answers['/api/v2/alerts'] = [];
    h.watcher.trigger('prod');
    await rounds(h, 2);
    expect(h.published.map(typesOf)).toEqual([['alert_created', 'alert_firing'], ['alert_resolved']]);
  });

  it('de-duplicates an alert two Alertmanagers report and tags it with both origins', async () => {
    const h = await startWatcher([target('b'), target('a')]);
    await rounds(h, 1);
    for (const fake of h.fakes.values()) fake.answers['/api/v2/alerts'] = [amAlert('A', T0)];
    h.watcher.trigger('a');
    h.watcher.trigger('b');
    await rounds(h, 2);
    expect(h.published).toHaveLength(1);
    expect(typesOf(h.published[0])).toEqual(['alert_created', 'alert_firing']);
    expect(h.published[0]![0]!.data).toMatchObject({ origins: ['a', 'b'] });
  });

  it('never overlaps rounds and coalesces triggers that arrive during a round into one more round', async () => {
    const h = await startWatcher([target('prod')]);
    await rounds(h, 1);
    const fake = h.fakes.get('prod')!;
    let open!: () => void;
    fake.gate = new Promise((resolve) => (open = resolve));
    h.watcher.trigger('prod');
    await waitFor(() => fake.inFlight === 2, { timeoutMs: 2000, what: 'the second round to be in flight' });
    for (let i = 0; i < 5; i++) h.watcher.trigger('prod');
    fake.gate = undefined;
    open();
    await rounds(h, 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.watcher.rounds).toBe(3);
    // Two requests (alerts, silences) per round, never more at once.
    expect(fake.requests).toHaveLength(6);
    expect(fake.maxInFlight).toBe(2);
  });

  it('polls on its interval without triggers', async () => {
    const h = await startWatcher([target('prod', { intervalMs: 500 })]);
    // Real timers: the clock the watcher reads drives due times, so keep it moving.
    const ticking = setInterval(() => (h.clock.now += 100), 100);
    try {
      await waitFor(() => h.watcher.rounds >= 3, { timeoutMs: 3000, what: 'three scheduled rounds' });
    } finally {
      clearInterval(ticking);
    }
  });

  it('stops idempotently and closes its clients', async () => {
    const h = await startWatcher([target('prod')]);
    await rounds(h, 1);
    await h.watcher.stop();
    await h.watcher.stop();
    expect(h.fakes.get('prod')!.closed).toBe(true);
  });

  it('refuses an empty list and duplicate names at construction', () => {
    expect(() => new AlertmanagerWatcher([])).toThrow(/at least one Alertmanager/);
    expect(() => new AlertmanagerWatcher([target('a'), target('a')])).toThrow(/"a" is used twice/);
  });
});

describe('the webhook receiver', () => {
  let app: FastifyInstance;
  afterEach(async () => {
    await app?.close();
  });

  async function withRoutes(h: Harness): Promise<FastifyInstance> {
    app = Fastify();
    installErrorHandling(app, 5, pino({ level: 'silent' }));
    // The webhook route reads nothing from the context; mounted under its prefix like the server does.
    await registerSourceRoutes(app, h.watcher, {} as SourceContext);
    await app.ready();
    return app;
  }

  const payload = (externalURL: string) => ({
    version: '4',
    groupKey: '{}:{alertname="A"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'livegate',
    groupLabels: { alertname: 'A' },
    commonLabels: { alertname: 'A' },
    commonAnnotations: {},
    externalURL,
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'A' },
        annotations: {},
        startsAt: iso(T0),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: 'fpA',
      },
    ],
  });

  it('answers 202 and runs a round for the Alertmanager named in ?alertmanager= or matching externalURL', async () => {
    const h = await startWatcher([target('prod', { externalUrl: 'https://alerts.example.com' }), target('dr')]);
    await rounds(h, 1);
    const server = await withRoutes(h);
    h.fakes.get('prod')!.answers['/api/v2/alerts'] = [amAlert('A', T0)];
    const byName = await server.inject({
      method: 'POST',
      url: `${WEBHOOK_PATH}?alertmanager=prod`,
      payload: payload('http://somewhere:9093'),
    });
    expect(byName.statusCode).toBe(202);
    expect(byName.json()).toEqual({ alertmanager: 'prod', round: 'scheduled' });
    await rounds(h, 2);
    expect(typesOf(h.published[0])).toEqual(['alert_created', 'alert_firing']);
    // Only the named Alertmanager was polled.
    expect(h.fakes.get('dr')!.requests).toHaveLength(2);

    const byUrl = await server.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      payload: payload('https://alerts.example.com/'),
    });
    expect(byUrl.json()).toEqual({ alertmanager: 'prod', round: 'scheduled' });
    const byBaseUrl = await server.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      payload: payload('http://dr.example:9093'),
    });
    expect(byBaseUrl.json()).toEqual({ alertmanager: 'dr', round: 'scheduled' });
  });

  it('answers 400 naming the field for a payload that is not version 4, and 404 for an unknown Alertmanager', async () => {
    const h = await startWatcher([target('prod')]);
    const server = await withRoutes(h);
    const v3 = await server.inject({ method: 'POST', url: WEBHOOK_PATH, payload: { ...payload('x'), version: '3' } });
    expect(v3.statusCode).toBe(400);
    expect(v3.json()).toEqual({
      error: {
        code: 'invalid_body',
        message: 'unsupported webhook payload version "3"; expected "4"',
        field: 'version',
      },
    });
    const badAlert = await server.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      payload: { ...payload('x'), alerts: [{ status: 'burning' }] },
    });
    expect(badAlert.json()).toMatchObject({ error: { code: 'invalid_body', field: 'alerts[0].status' } });
    const unknownName = await server.inject({
      method: 'POST',
      url: `${WEBHOOK_PATH}?alertmanager=nope`,
      payload: payload('x'),
    });
    expect(unknownName.statusCode).toBe(404);
    expect(unknownName.json()).toEqual({
      error: {
        code: 'not_found',
        message: 'no watched Alertmanager is named "nope"; watched: prod',
        field: 'alertmanager',
      },
    });
    const unknownUrl = await server.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      payload: payload('http://other:9093/'),
    });
    expect(unknownUrl.statusCode).toBe(404);
    expect(unknownUrl.json()).toMatchObject({
      error: { code: 'not_found', field: 'externalURL', message: expect.stringContaining('?alertmanager=<name>') },
    });
  });
});
