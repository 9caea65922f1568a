/**
 * The Alertmanager-compatible ingest (`POST /api/v2/alerts`) end to end: HTTP in, SSE out,
 * snapshots, stats, bad input, auth. The real Prometheus posting to it is covered in
 * alerts-alertmanager.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { TestSse } from '../harness/sse-client.js';

let server: LivegateServer;

beforeAll(async () => {
  server = await startTestServer({ stats: { intervalMs: 200 }, alerts: { resolveTimeoutMs: 1_000 } });
});
afterAll(async () => {
  await server.close();
});

/** POSTs a raw body to the ingest; returns status and decoded body (or text). */
async function postAlerts(
  target: { url: string },
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${target.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? '' : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: res.status, body: parsed };
}

/** What Prometheus 2.x posts for a firing alert: endsAt is its ValidUntil (4 × resend delay ahead). */
function prometheusAlert(
  labels: Record<string, string>,
  startsAt = new Date(Date.now() - 1000),
): Record<string, unknown> {
  return {
    labels,
    annotations: { summary: `${labels['alertname']} is firing` },
    startsAt: startsAt.toISOString(),
    endsAt: new Date(Date.now() + 4 * 60_000).toISOString(),
    generatorURL: 'http://prometheus:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1',
  };
}

describe('POST /api/v2/alerts (Alertmanager-compatible ingest)', () => {
  it('publishes alert_created then alert_firing with the fingerprint a real Alertmanager computes', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=alerts`);
    await sse.next((m) => m.data.type === 'snapshot');
    // Fingerprint recorded from Alertmanager 0.25 for exactly these labels (see fingerprint.test.ts).
    const labels = { alertname: 'DiskFull', severity: 'critical', instance: 'db-1:9100', job: 'node' };
    const answer = await postAlerts(server, [prometheusAlert({ ...labels })]);
    expect(answer).toEqual({ status: 200, body: '' });
    const firing = await sse.next(
      (m) =>
        m.data.type === 'alert_firing' && (m.data.data as { fingerprint: string }).fingerprint === '8c77d5865e910658',
    );
    const events = sse
      .events()
      .filter((e) => (e.data as { fingerprint?: string } | null)?.fingerprint === '8c77d5865e910658');
    expect(events.map((e) => e.type)).toEqual(['alert_created', 'alert_firing']);
    expect(firing.data).toMatchObject({
      topic: 'alerts',
      source: 'ingest',
      labels,
      data: {
        fingerprint: '8c77d5865e910658',
        labels,
        status: { state: 'active', silencedBy: [], inhibitedBy: [] },
        origins: ['ingest'],
        annotations: { summary: 'DiskFull is firing' },
      },
    });
    sse.close();
  });

  it('publishes nothing when Prometheus re-sends an unchanged alert, and alert_resolved when endsAt is in the past', async () => {
    const labels = { alertname: 'Resend', run: 'resend', severity: 'warning' };
    const startsAt = new Date(Date.now() - 5000);
    const sse = new TestSse(
      `${server.url}/api/v2/events/stream?topics=alerts,sentinel&match=${encodeURIComponent('{run=~"resend|"}')}`,
    );
    await sse.next((m) => m.data.type === 'snapshot');
    expect((await postAlerts(server, [prometheusAlert(labels, startsAt)])).status).toBe(200);
    await sse.next((m) => m.data.type === 'alert_firing');
    expect((await postAlerts(server, [prometheusAlert(labels, startsAt)])).status).toBe(200);
    // A sentinel published after the re-send proves nothing came in between.
    const [sentinel] = await publishEvents(server, { topic: 'sentinel', type: 'mark' });
    await sse.next((m) => m.id === sentinel);
    expect(sse.events().map((e) => e.type)).toEqual(['snapshot', 'alert_created', 'alert_firing', 'mark']);

    const resolvedAt = new Date(Date.now() - 100);
    expect(
      (await postAlerts(server, [{ ...prometheusAlert(labels, startsAt), endsAt: resolvedAt.toISOString() }])).status,
    ).toBe(200);
    const resolved = await sse.next((m) => m.data.type === 'alert_resolved');
    expect(resolved.data).toMatchObject({
      labels,
      data: { status: { state: 'resolved' }, endsAt: resolvedAt.toISOString() },
    });
    sse.close();
  });

  it('resolves an alert sent without endsAt once the resolve timeout passes', async () => {
    const sse = new TestSse(
      `${server.url}/api/v2/events/stream?topics=alerts&match=${encodeURIComponent('{run="timeout"}')}`,
    );
    await sse.next((m) => m.data.type === 'snapshot');
    const sent = Date.now();
    expect((await postAlerts(server, [{ labels: { alertname: 'NoEnd', run: 'timeout' } }])).status).toBe(200);
    const firing = await sse.next((m) => m.data.type === 'alert_firing');
    // endsAt is receipt + alerts.resolveTimeoutMs (1 s here).
    const endsAt = Date.parse((firing.data.data as { endsAt: string }).endsAt);
    expect(endsAt - sent).toBeGreaterThanOrEqual(900);
    expect(endsAt - sent).toBeLessThan(3000);
    const resolved = await sse.next((m) => m.data.type === 'alert_resolved', 5000);
    expect(resolved.data).toMatchObject({ data: { status: { state: 'resolved' } } });
    sse.close();
  });

  it('sends a snapshot of the firing alerts that respects match, in severity order', async () => {
    const run = 'snap';
    const alerts = [
      prometheusAlert({ alertname: 'SnapWarn', severity: 'warning', run }),
      prometheusAlert({ alertname: 'SnapCrit1', severity: 'critical', run }, new Date(Date.now() - 20_000)),
      prometheusAlert({ alertname: 'SnapCrit2', severity: 'critical', run }, new Date(Date.now() - 10_000)),
      {
        ...prometheusAlert({ alertname: 'SnapGone', severity: 'critical', run }),
        endsAt: new Date(Date.now() - 1000).toISOString(),
        startsAt: new Date(Date.now() - 60_000).toISOString(),
      },
    ];
    expect((await postAlerts(server, alerts)).status).toBe(200);
    const sse = new TestSse(
      `${server.url}/api/v2/events/stream?topics=alerts&match=${encodeURIComponent(`{run="${run}",severity="critical"}`)}`,
    );
    const snapshot = await sse.next((m) => m.data.type === 'snapshot');
    const items = (snapshot.data.data as { alerts: { labels: Record<string, string> }[] }).alerts;
    expect(items.map((a) => a.labels['alertname'])).toEqual(['SnapCrit1', 'SnapCrit2']);
    sse.close();

    const all = new TestSse(
      `${server.url}/api/v2/events/stream?topics=alerts&match=${encodeURIComponent(`{run="${run}"}`)}`,
    );
    const full = await all.next((m) => m.data.type === 'snapshot');
    expect(
      (full.data.data as { alerts: { labels: Record<string, string> }[] }).alerts.map((a) => a.labels['alertname']),
    ).toEqual(['SnapCrit1', 'SnapCrit2', 'SnapWarn']);
    all.close();
    const info = (await (await fetch(`${server.url}/api/v2/info`)).json()) as { stateTopics: string[] };
    expect(info.stateTopics).toEqual(expect.arrayContaining(['alerts', 'silences', 'health', 'stats']));
  });

  it('adds alert counts by state and severity to stats_updated', async () => {
    expect(
      (await postAlerts(server, [prometheusAlert({ alertname: 'Counted', severity: 'info', run: 'stats' })])).status,
    ).toBe(200);
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=stats`);
    const update = await sse.next(
      (m) =>
        m.data.type === 'stats_updated' &&
        ((m.data.data as { alerts?: { bySeverity: Record<string, number> } }).alerts?.bySeverity['info'] ?? 0) >= 1,
    );
    const stats = update.data.data as {
      alerts: { firing: number; byState: Record<string, number>; bySeverity: Record<string, number> };
      silences: Record<string, number>;
    };
    expect(stats.alerts.firing).toBeGreaterThanOrEqual(1);
    expect(stats.alerts.byState.active).toBe(stats.alerts.firing);
    expect(Object.values(stats.alerts.bySeverity).reduce((a, b) => a + b, 0)).toBe(stats.alerts.firing);
    expect(stats.silences).toEqual({ active: 0, pending: 0 });
    sse.close();
  });

  it.each([
    { name: 'an object instead of an array', body: { labels: { a: 'b' } }, field: 'body', message: /JSON array/ },
    { name: 'an alert without labels', body: [{ annotations: {} }], field: '[0].labels', message: /required/ },
    {
      name: 'a label name with a dash',
      body: [{ labels: { 'bad-name': 'x' } }],
      field: '[0].labels["bad-name"]',
      message: /invalid label name/,
    },
    {
      name: 'a label value that is a number',
      body: [{ labels: { alertname: 'A' } }, { labels: { alertname: 7 } }],
      field: '[1].labels.alertname',
      message: /string/,
    },
    {
      name: 'an unparsable startsAt',
      body: [{ labels: { alertname: 'A' }, startsAt: 'yesterday' }],
      field: '[0].startsAt',
      message: /RFC 3339/,
    },
    {
      name: 'endsAt before startsAt',
      body: [{ labels: { alertname: 'A' }, startsAt: '2026-01-02T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' }],
      field: '[0].endsAt',
      message: /before startsAt/,
    },
  ])('answers 400 invalid_body naming the field for $name, and publishes nothing', async ({ body, field, message }) => {
    // The stats source publishes every 200 ms meanwhile, so count only what is not stats.
    const headSeq = server.hub.windowInfo().headSeq;
    const answer = await postAlerts(server, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'invalid_body', message: expect.stringMatching(message), field } });
    const published = server.hub
      .windowEvents()
      .filter((e) => e.event.seq > headSeq && e.event.topic !== 'stats')
      .map((e) => e.event.topic);
    expect(published).toEqual([]);
  });

  it('answers 400 invalid_json, 415 for another content type and 413 above 4 MiB', async () => {
    const broken = await postAlerts(server, '[{"labels":');
    expect(broken).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    const text = await postAlerts(server, 'hello', { 'content-type': 'text/plain' });
    expect(text).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
    // Larger than the global publish limit (512 KiB) but under the ingest's 4 MiB: accepted.
    const big = Array.from({ length: 3000 }, (_, i) => ({
      labels: { alertname: 'Big', run: 'big', n: String(i) },
      annotations: { pad: 'x'.repeat(200) },
      endsAt: new Date(Date.now() + 60_000).toISOString(),
    }));
    expect((await postAlerts(server, big)).status).toBe(200);
    const huge = JSON.stringify([{ labels: { alertname: 'Huge' }, annotations: { pad: 'x'.repeat(4 * 1024 * 1024) } }]);
    expect(await postAlerts(server, huge)).toMatchObject({
      status: 413,
      body: { error: { code: 'payload_too_large' } },
    });
  });
});

describe('ingest configuration', () => {
  it('requires the admin token when one is set, like the publish API', async () => {
    const guarded = await startTestServer({ auth: { adminToken: 's3cret' }, stats: { intervalMs: 0 } });
    try {
      const body = [{ labels: { alertname: 'Guarded' } }];
      expect(await postAlerts(guarded, body)).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
      expect((await postAlerts(guarded, body, { authorization: 'Bearer s3cret' })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('serves no ingest and no alert state topics with alerts.ingest off and nothing else enabled', async () => {
    const plain = await startTestServer({ alerts: { ingest: false }, stats: { intervalMs: 0 } });
    try {
      expect(await postAlerts(plain, [{ labels: { alertname: 'A' } }])).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found' } },
      });
      const info = (await (await fetch(`${plain.url}/api/v2/info`)).json()) as { stateTopics: string[] };
      expect(info.stateTopics).not.toContain('alerts');
    } finally {
      await plain.close();
    }
  });

  it('plays synthetic demo alerts labelled demo="true" from source demo when demo is on', async () => {
    const demo = await startTestServer({ demo: true, alerts: { ingest: false }, stats: { intervalMs: 0 } });
    try {
      const sse = new TestSse(`${demo.url}/api/v2/events/stream?topics=alerts`);
      // The first demo alerts fire 0.5–6 s after start.
      const firing = await sse.next((m) => m.data.type === 'alert_firing', 10_000);
      expect(firing.data).toMatchObject({
        source: 'demo',
        labels: { demo: 'true' },
        data: { origins: ['demo'], status: { state: 'active' } },
      });
      sse.close();
    } finally {
      await demo.close();
    }
  });
});
