/**
 * Issue 9 (hardening), the input findings, each reproduced as the issue ran it against a real
 * server: regex matchers that froze the process (1), batches that were not all-or-nothing (4),
 * forged state (5), unbounded stores and cardinality (6) and loose alert input (8).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/core/filter.js';
import { sha256Hex } from '../../src/http/auth/publish-keys.js';
import type { LivegateServer } from '../../src/http/server.js';
import { startAlertmanager, type Alertmanager } from '../harness/alertmanager.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { TestSse } from '../harness/sse-client.js';
import { TestWs } from '../harness/ws-client.js';

let server: LivegateServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('finding 1: regex matchers cannot freeze the server', () => {
  it('publishes at once and keeps /healthz answering while a subscriber holds pod=~"(.|.)*#"', async () => {
    const match = encodeURIComponent('{pod=~"(.|.)*#"}');
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=k8s&match=${match}`);
    try {
      await sse.next((m) => m.event === 'hello', 10_000);
      const started = performance.now();
      // On JavaScript's backtracking engine this publish took 40 s and /healthz did not answer.
      const [ids, health] = await Promise.all([
        publishEvents(server, { topic: 'k8s', type: 'pod_update', labels: { pod: 'checkout-api-7d9f8b6c5d-x2x9z' } }),
        fetch(`${server.url}/healthz`),
      ]);
      const elapsed = performance.now() - started;
      expect(ids).toHaveLength(1);
      expect(health.status).toBe(200);
      expect(elapsed).toBeLessThan(10_000);
      // And the regex still means what it says: a value ending in # passes.
      await publishEvents(server, { topic: 'k8s', type: 'pod_update', labels: { pod: 'x#' } });
      const got = await sse.next((m) => m.event === 'message', 10_000);
      expect((got.data.labels as Record<string, string>).pod).toBe('x#');
    } finally {
      sse.source.close();
    }
  });

  it('answers an RE2-invalid regex over WebSocket with an error op naming the field and RE2', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    try {
      ws.send({ op: 'subscribe', id: 'bad', match: ['{a="1"}', '{x=~"(a)\\\\1"}'] });
      const error = await ws.next((m) => m.op === 'error' && m.id === 'bad');
      expect(error).toMatchObject({ code: 'invalid_filter', field: 'match[1]' });
      expect(String(error.message)).toMatch(/invalid escape sequence.*RE2 syntax/);
    } finally {
      ws.socket.close();
    }
  });

  it('refuses the 32 subscriptions × 64 matcher sets of one WebSocket beyond its matching budget', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    try {
      let refused: Record<string, unknown> | undefined;
      for (let s = 0; s < 32 && refused === undefined; s++) {
        const match = Array.from({ length: 64 }, (_, i) => `{pod=~"(.|.)*#${s}-${i}"}`);
        ws.send({ op: 'subscribe', id: `s${s}`, topics: ['k8s'], match });
        const answer = await ws.next((m) => (m.op === 'subscribed' || m.op === 'error') && m.id === `s${s}`, 10_000);
        if (answer.op === 'error') refused = answer;
      }
      expect(refused).toMatchObject({ code: 'invalid_filter', field: 'match' });
      expect(String(refused!.message)).toMatch(/would cost \d+; max 1024/);
      // The socket stays usable for a filter within budget.
      ws.send({ op: 'subscribe', id: 'ok', topics: ['k8s'], match: ['{pod="a"}'] });
      expect(await ws.next((m) => m.id === 'ok', 10_000)).toMatchObject({ op: 'subscribed' });
    } finally {
      ws.socket.close();
    }
  });
});

describe('finding 4: a publish request is all-or-nothing', () => {
  const seqOf = (id: string): number => Number(id.slice(id.lastIndexOf('-') + 1));

  it('refuses [ok, {data: 10,000-deep array}, ok] whole, naming [1].data, and leaves no gap in the ids', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=batch`);
    try {
      await sse.next((m) => m.event === 'hello', 10_000);
      const [before] = await publishEvents(server, { topic: 'batch', type: 'first' });
      const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      const body = `[{"topic":"batch","type":"ok1"},{"topic":"batch","type":"deep","data":${deep}},{"topic":"batch","type":"ok2"}]`;
      const res = await fetch(`${server.url}/api/v2/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const answer = (await res.json()) as { error: { code: string; field: string; message: string } };
      expect(res.status).toBe(400);
      expect(answer.error).toMatchObject({ code: 'invalid_event', field: '[1].data' });
      expect(answer.error.message).toMatch(/nested more than 32 levels/);
      const [after] = await publishEvents(server, { topic: 'batch', type: 'last' });
      expect(seqOf(after!)).toBe(seqOf(before!) + 1);
      await sse.next((m) => m.event === 'message' && m.data.type === 'last', 10_000);
      expect(sse.events().map((e) => e.type)).toEqual(['first', 'last']);
    } finally {
      sse.source.close();
    }
  });

  it('accepts data nested exactly 32 levels deep', async () => {
    let data: unknown = 1;
    for (let i = 0; i < 32; i++) data = [data];
    expect(await publishEvents(server, { topic: 'batch', type: 'deep_ok', data })).toHaveLength(1);
  });
});

describe('finding 5: clients cannot forge the server state', () => {
  async function post(target: { url: string }, body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${target.url}/api/v2/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { error?: { code: string; field?: string }; ids?: string[] },
    };
  }

  it.each(['health', 'alerts', 'silences', 'stats', 'console'])(
    'refuses a publish to the state topic %s with 403 reserved_topic',
    async (topic) => {
      const answer = await post(server, {
        topic,
        type: 'health_changed',
        data: { component: 'bus', status: 'unhealthy', detail: 'pwned' },
      });
      expect(answer.status).toBe(403);
      expect(answer.body.error).toMatchObject({ code: 'reserved_topic', field: 'topic' });
    },
  );

  it('refuses a whole batch with one reserved draft, naming it, and leaves the health snapshot alone', async () => {
    const before = server.hub.snapshotEvent('health', compileFilter({}))!.json;
    const answer = await post(server, [
      { topic: 'ok', type: 'x' },
      { topic: 'health', type: 'health_changed', data: { component: 'bus', status: 'unhealthy', detail: 'pwned' } },
    ]);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({ code: 'reserved_topic', field: '[1].topic' });
    const after = server.hub.snapshotEvent('health', compileFilter({}))!.json;
    expect(after).not.toContain('pwned');
    expect(JSON.parse(after).data).toEqual(JSON.parse(before).data);
  });

  it.each(['livegate', 'alertmanager/prod', 'ingest', 'demo'])(
    'refuses the forged source %s with 403 reserved_source',
    async (source) => {
      const answer = await post(server, { topic: 'deploys', type: 'deploy_started', source });
      expect(answer.status).toBe(403);
      expect(answer.body.error).toMatchObject({ code: 'reserved_source', field: 'source' });
    },
  );

  it('accepts look-alike names that are not reserved', async () => {
    for (const draft of [
      { topic: 'alerts-archive', type: 'x' },
      { topic: 'deploys', type: 'x', source: 'ci/github' },
      { topic: 'deploys', type: 'x', source: 'livegate-ci' },
    ]) {
      expect((await post(server, draft)).status).toBe(202);
    }
  });

  it('lets a publisher key that names a state topic exactly write it (the auth hook)', async () => {
    const sha256 = sha256Hex('am-key');
    const keyed = await startTestServer({
      auth: { publishKeys: [{ name: 'am', sha256, topics: ['alerts', 'deploys*'] }] },
    });
    try {
      const auth = { authorization: 'Bearer am-key' };
      expect((await post(keyed, { topic: 'alerts', type: 'x', source: 'alertmanager/prod' }, auth)).status).toBe(202);
      // A pattern is not an explicit grant, and an unnamed state topic stays closed.
      expect((await post(keyed, { topic: 'health', type: 'x' }, auth)).status).toBe(403);
      expect((await post(keyed, { topic: 'deploys', type: 'x', source: 'livegate' }, auth)).body.error?.code).toBe(
        'reserved_source',
      );
    } finally {
      await keyed.close();
    }
  });
});

/** POSTs a raw body to a server's (or an Alertmanager's) `POST /api/v2/alerts`. */
async function postAlerts(target: { url: string }, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${target.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

function errorOf(answer: { text: string }): { code: string; field?: string; message: string } {
  return (JSON.parse(answer.text) as { error: { code: string; field?: string; message: string } }).error;
}

const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

describe('finding 8: alert input is as strict as Alertmanager', () => {
  let am: Alertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    await am.stop();
  });

  it('answers 400 on [0].startsAt for startsAt 10 minutes ahead without endsAt, as the real Alertmanager does', async () => {
    const body = [{ labels: { alertname: 'Future', job: 'x' }, startsAt: inMinutes(10) }];
    const real = await postAlerts(am, body);
    expect(real.status).toBe(400);
    expect(real.text).toMatch(/start time must be before end time/);
    const ours = await postAlerts(server, body);
    expect(ours.status).toBe(400);
    expect(errorOf(ours)).toMatchObject({ code: 'invalid_body', field: '[0].startsAt' });
    expect(errorOf(ours).message).toMatch(/start time must be before end time/);
  });

  it('refuses an impossible date (February 31) with 400 naming the field, where both accept a real one', async () => {
    const bad = [{ labels: { alertname: 'Feb31' }, startsAt: '2026-02-31T10:00:00Z' }];
    expect((await postAlerts(am, bad)).status).toBe(400);
    const ours = await postAlerts(server, bad);
    expect(ours.status).toBe(400);
    expect(errorOf(ours).field).toBe('[0].startsAt');
    const good = [{ labels: { alertname: 'Feb28' }, startsAt: '2026-02-28T10:00:00Z', endsAt: inMinutes(5) }];
    expect((await postAlerts(am, good)).status).toBe(200);
    expect((await postAlerts(server, good)).status).toBe(200);
  });

  it('refuses time "2026-02-31T…" on the publish API with 400 on time (it became March 3)', async () => {
    const res = await fetch(`${server.url}/api/v2/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'deploys', type: 'x', time: '2026-02-31T07:01:29Z' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('time');
  });
});

describe('finding 6: what the alert ingest holds is bounded', () => {
  it('refuses more than 64 labels and label values over 1024 chars, as the publish API does', async () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v']));
    const tooMany = await postAlerts(server, [{ labels: { alertname: 'A', ...many } }]);
    expect(tooMany.status).toBe(400);
    expect(errorOf(tooMany)).toMatchObject({ code: 'invalid_body', field: '[0].labels' });
    const tooLong = await postAlerts(server, [{ labels: { alertname: 'A', big: 'x'.repeat(100_000) } }]);
    expect(tooLong.status).toBe(400);
    expect(errorOf(tooLong)).toMatchObject({ field: '[0].labels.big' });
  });

  it('refuses an endsAt in year 9999 with 400 on [0].endsAt', async () => {
    const answer = await postAlerts(server, [{ labels: { alertname: 'Forever' }, endsAt: '9999-12-31T00:00:00Z' }]);
    expect(answer.status).toBe(400);
    expect(errorOf(answer).field).toBe('[0].endsAt');
  });

  it('holds at most alerts.maxAlerts: forgets resolved alerts first, then answers 429 too_many_alerts', async () => {
    const small = await startTestServer({ alerts: { maxAlerts: 3 } });
    try {
      const alert = (name: string, endsAt = inMinutes(5)) => ({ labels: { alertname: name }, endsAt });
      expect((await postAlerts(small, [alert('a'), alert('b'), alert('c')])).status).toBe(200);
      const full = await postAlerts(small, [alert('d')]);
      expect(full.status).toBe(429);
      expect(errorOf(full).code).toBe('too_many_alerts');
      // Updating a held alert still works; resolving one makes room for a new one.
      expect((await postAlerts(small, [alert('a', inMinutes(10))])).status).toBe(200);
      expect((await postAlerts(small, [alert('b', new Date(Date.now() - 1000).toISOString())])).status).toBe(200);
      expect((await postAlerts(small, [alert('d')])).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('finding 6: metric label cardinality is bounded', () => {
  it('counts event types beyond observability.maxEventSeries under topic="other",type="other"', async () => {
    const capped = await startTestServer({ observability: { maxEventSeries: 20 } });
    try {
      const drafts = Array.from({ length: 500 }, (_, i) => ({ topic: 'noise', type: `type_${i}` }));
      await publishEvents(capped, drafts);
      const text = await (await fetch(`${capped.url}/metrics`)).text();
      const series = text.split('\n').filter((l) => l.startsWith('livegate_events_published_total{'));
      expect(series.length).toBeLessThanOrEqual(21);
      const other = series.find((l) => l.includes('topic="other",type="other"'));
      expect(other).toBeDefined();
      const total = series.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      expect(total).toBeGreaterThanOrEqual(500);
    } finally {
      await capped.close();
    }
  });
});
