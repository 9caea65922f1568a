/**
 * livegate's Alertmanager API v2 against a real Alertmanager fed by a real Prometheus (1 s
 * evaluation, 1 s resend). The same questions are put to both, through amtool and as raw JSON,
 * and the answers compared field by field. `endsAt`/`updatedAt` are refreshed by every re-send
 * (each second): livegate answers them from its last poll, so they are compared within 3 s.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { startAlertmanager, startPrometheus, waitFor, type Alertmanager, type Prometheus } from '../harness/index.js';
import { startTestServer } from '../harness/livegate.js';
import { TestSse } from '../harness/sse-client.js';

const run = promisify(execFile);
const RUN = randomUUID().slice(0, 8);
const DEADLINE = 30_000;

const AM_CONFIG = `
route:
  receiver: 'null'
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      group_by: [alertname, team]
      continue: true
    - matchers: ['team="db"']
      receiver: dba
receivers:
  - name: 'null'
  - name: pager
  - name: dba
inhibit_rules:
  - source_matchers: ['alertname="ApiInhibitSource"']
    target_matchers: ['alertname="ApiInhibitTarget"']
    equal: [run]
`;

const RULES = [
  { alert: 'ApiCritical', labels: `severity: critical, team: db` },
  { alert: 'ApiWarning', labels: `severity: warning, team: web` },
  { alert: 'ApiInhibitSource', labels: `severity: info` },
  { alert: 'ApiInhibitTarget', labels: `severity: info` },
]
  .map(
    (r) =>
      `- alert: ${r.alert}\n  expr: vector(1) > 0\n  labels: { ${r.labels}, run: "${RUN}" }\n  annotations: { summary: "${r.alert}", runbook_url: "https://runbooks.example/${r.alert}" }\n`,
  )
  .join('');

let am: Alertmanager;
let prom: Prometheus;
let lg: LivegateServer;
let ingestOnly: LivegateServer;
let sse: TestSse;
const stoppers: (() => Promise<unknown>)[] = [];

async function amtool(url: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/amtool', [`--alertmanager.url=${url}`, ...args], { timeout: 15_000 });
  return stdout;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  expect(res.status, `GET ${url}`).toBe(200);
  return res.json();
}

type Json = Record<string, unknown>;

/** Compares two gettableAlerts field by field; refreshed times within 3 s. */
function expectSameAlert(ours: Json, theirs: Json): void {
  const volatile = new Set(['endsAt', 'updatedAt']);
  // Alertmanager builds `receivers` from a Go map: its order varies between answers.
  const names = (a: Json) => ((a['receivers'] as { name: string }[]) ?? []).map((r) => r.name).sort();
  expect(names(ours)).toEqual(names(theirs));
  expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
  for (const key of Object.keys(theirs)) {
    if (volatile.has(key))
      expect(Math.abs(Date.parse(ours[key] as string) - Date.parse(theirs[key] as string)), key).toBeLessThan(3000);
    else if (key !== 'receivers') expect(ours[key], key).toEqual(theirs[key]);
  }
}

function ofRun<T extends { labels: Record<string, string> }>(items: T[]): T[] {
  return items.filter((a) => a.labels['run'] === RUN);
}

beforeAll(async () => {
  am = await startAlertmanager({ configYaml: AM_CONFIG });
  stoppers.push(() => am.stop());
  prom = await startPrometheus({ rulesYaml: RULES, alertmanagerTargets: [am.target] });
  stoppers.push(() => prom.stop());
  lg = await startTestServer({
    stats: { intervalMs: 0 },
    alerts: { ingest: false },
    alertmanagers: [{ name: 'prod', url: am.url, intervalMs: 1000 }],
  });
  stoppers.push(() => lg.close());
  ingestOnly = await startTestServer({ stats: { intervalMs: 0 } });
  stoppers.push(() => ingestOnly.close());
  sse = new TestSse(`${lg.url}/api/v2/events/stream?topics=alerts,silences`);
  stoppers.push(async () => sse.close());
  // Every rule firing in Alertmanager (inhibition applied) and in livegate.
  await waitFor(
    async () => {
      const ams = ofRun(await am.getAlerts());
      const ours = ofRun((await getJson(`${lg.url}/api/v2/alerts`)) as { labels: Record<string, string> }[]);
      const inhibited = ams.find((a) => a.labels['alertname'] === 'ApiInhibitTarget')?.status.inhibitedBy.length ?? 0;
      return ams.length === 4 && ours.length === ams.length && inhibited > 0 && ams.length;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: 'every rule firing in Alertmanager and livegate' },
  );
}, 90_000);

afterAll(async () => {
  for (const stop of stoppers.reverse()) await stop().catch(() => {});
});

describe('Alertmanager API v2, read side', () => {
  it('answers GET /api/v2/alerts like Alertmanager, field by field', async () => {
    const [ours, theirs] = await Promise.all([
      getJson(`${lg.url}/api/v2/alerts?filter=run="${RUN}"`),
      getJson(`${am.url}/api/v2/alerts?filter=run="${RUN}"`),
    ]);
    const o = ours as Json[];
    const t = theirs as Json[];
    expect(o.map((a) => a['fingerprint'])).toEqual(t.map((a) => a['fingerprint']));
    o.forEach((a, i) => expectSameAlert(a, t[i]!));
  });

  it('applies filter, active, silenced, inhibited and receiver as Alertmanager does', async () => {
    const queries = [
      `filter=run="${RUN}"&inhibited=false`,
      `filter=run="${RUN}"&filter=severity=~"crit.*|warning"`,
      `filter=run="${RUN}"&active=false`,
      `filter=run="${RUN}"&receiver=pager`,
      `filter=run="${RUN}"&receiver=n.*`,
      `filter=run="${RUN}"&filter=team!="db"&unprocessed=false`,
    ];
    for (const q of queries) {
      const [ours, theirs] = await Promise.all([
        getJson(`${lg.url}/api/v2/alerts?${q}`),
        getJson(`${am.url}/api/v2/alerts?${q}`),
      ]);
      expect(
        (ours as Json[]).map((a) => a['fingerprint']),
        q,
      ).toEqual((theirs as Json[]).map((a) => a['fingerprint']));
    }
  });

  it('answers GET /api/v2/alerts/groups with the groups of the Alertmanager routing tree', async () => {
    const [ours, theirs] = (await Promise.all([
      getJson(`${lg.url}/api/v2/alerts/groups?filter=run="${RUN}"`),
      getJson(`${am.url}/api/v2/alerts/groups?filter=run="${RUN}"`),
    ])) as { labels: Json; receiver: Json; alerts: Json[] }[][];
    expect(ours!.map((g) => [g.receiver, g.labels])).toEqual(theirs!.map((g) => [g.receiver, g.labels]));
    ours!.forEach((g, i) => {
      const other = theirs![i]!;
      expect(Object.keys(g).sort()).toEqual(Object.keys(other).sort());
      expect(g.alerts.map((a) => a['fingerprint'])).toEqual(other.alerts.map((a) => a['fingerprint']));
      g.alerts.forEach((a, j) => expectSameAlert(a, other.alerts[j]!));
    });
  });

  it('gives amtool the same alert query and config show answers', async () => {
    const [ours, theirs] = await Promise.all([
      amtool(lg.url, 'alert', 'query', '-o', 'json', `run=${RUN}`),
      amtool(am.url, 'alert', 'query', '-o', 'json', `run=${RUN}`),
    ]);
    const o = JSON.parse(ours) as Json[];
    const t = JSON.parse(theirs) as Json[];
    expect(o.map((a) => a['fingerprint'])).toEqual(t.map((a) => a['fingerprint']));
    o.forEach((a, i) => expectSameAlert(a, t[i]!));
    const [simpleOurs, simpleTheirs] = await Promise.all([
      amtool(lg.url, 'alert', 'query', `run=${RUN}`, 'severity=critical'),
      amtool(am.url, 'alert', 'query', `run=${RUN}`, 'severity=critical'),
    ]);
    expect(simpleOurs).toBe(simpleTheirs);
    expect(await amtool(lg.url, 'config', 'show')).toBe(await amtool(am.url, 'config', 'show'));
    expect(await getJson(`${lg.url}/api/v2/receivers`)).toEqual(await getJson(`${am.url}/api/v2/receivers`));
  });

  it('answers the probes /-/healthy and /-/ready as Alertmanager does', async () => {
    for (const path of ['/-/healthy', '/-/ready']) {
      const res = await fetch(`${lg.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('OK');
    }
  });

  it('refuses unbounded or malformed parameters with structured errors', async () => {
    const cases: [string, string][] = [
      [`filter=${encodeURIComponent(`a="${'x'.repeat(1100)}"`)}`, 'filter[0]'],
      [Array.from({ length: 65 }, () => 'filter=a%3D"b"').join('&'), 'filter'],
      ['filter=%3D%3Dbad', 'filter[0]'],
      ['active=maybe', 'active'],
      [`receiver=${'r'.repeat(300)}`, 'receiver'],
      // RE2 runs any pattern in linear time; what it refuses is syntax it lacks, such as lookahead.
      ['receiver=(%3F%3Da)b', 'receiver'],
    ];
    for (const [q, field] of cases) {
      const res = await fetch(`${lg.url}/api/v2/alerts?${q}`);
      expect(res.status, q).toBe(400);
      const body = (await res.json()) as { error: { code: string; field: string } };
      expect(body.error.code).toBe('invalid_param');
      expect(body.error.field).toBe(field);
    }
    const bad = await fetch(`${lg.url}/api/v2/silence/${'x'.repeat(65)}`);
    expect(bad.status).toBe(400);
  });
});

describe('Alertmanager API v2, silences', () => {
  it('passes amtool silence add to the Alertmanager, publishes silence_created within 1 s, and answers queries like it', async () => {
    const started = Date.now();
    const id = (
      await amtool(
        lg.url,
        'silence',
        'add',
        `alertname=ApiWarning`,
        `run=${RUN}`,
        '--author=oncall',
        '--comment=looking into it',
        '--duration=1h',
      )
    ).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const created = await sse.next(
      (m) => m.data['type'] === 'silence_created' && (m.data['data'] as Json)['id'] === id,
      DEADLINE,
    );
    const delay = Date.now() - started;
    console.log(`amtool silence add → silence_created on SSE: ${delay} ms (including amtool start-up)`);
    expect(created).toBeDefined();
    expect(delay).toBeLessThan(1000 + 1500); // amtool's own start and status call take part of it
    expect((await am.getSilences()).some((s) => s.id === id && s.status.state === 'active')).toBe(true);
    const [ours, theirs] = (await Promise.all([
      getJson(`${lg.url}/api/v2/silences?filter=run="${RUN}"`),
      getJson(`${am.url}/api/v2/silences?filter=run="${RUN}"`),
    ])) as Json[][];
    expect(ours).toEqual(theirs!.filter((s) => (s['status'] as Json)['state'] !== 'expired'));
    expect(await getJson(`${lg.url}/api/v2/silence/${id}`)).toEqual(await getJson(`${am.url}/api/v2/silence/${id}`));
    const [q1, q2] = await Promise.all([
      amtool(lg.url, 'silence', 'query', '-o', 'json', `run=${RUN}`),
      amtool(am.url, 'silence', 'query', '-o', 'json', `run=${RUN}`),
    ]);
    expect(JSON.parse(q1)).toEqual(JSON.parse(q2));
    // The silenced alert shows up as such in livegate's state.
    await waitFor(
      async () =>
        ((await getJson(`${lg.url}/api/v2/alerts?filter=run="${RUN}"&filter=alertname="ApiWarning"`)) as Json[]).some(
          (a) => ((a['status'] as Json)['silencedBy'] as string[]).includes(id),
        ),
      { timeoutMs: 5000, what: 'livegate to list ApiWarning as silenced' },
    );

    const expireStarted = Date.now();
    await amtool(lg.url, 'silence', 'expire', id);
    await sse.next((m) => m.data['type'] === 'silence_expired' && (m.data['data'] as Json)['id'] === id, DEADLINE);
    console.log(`amtool silence expire → silence_expired on SSE: ${Date.now() - expireStarted} ms`);
    expect((await am.getSilences()).find((s) => s.id === id)?.status.state).toBe('expired');
    expect(await amtool(lg.url, 'silence', 'query', `run=${RUN}`)).toBe(
      await amtool(am.url, 'silence', 'query', `run=${RUN}`),
    );
  });

  it('POST /api/v2/silences answers within 1 s of publishing silence_created', async () => {
    const body = {
      matchers: [{ name: 'alertname', value: 'ApiCritical', isRegex: false, isEqual: true }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 600_000).toISOString(),
      createdBy: 'test',
      comment: 'ack',
    };
    const started = Date.now();
    const res = await fetch(`${lg.url}/api/v2/silences?alertmanager=prod`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const { silenceID } = (await res.json()) as { silenceID: string };
    await sse.next((m) => m.data['type'] === 'silence_created' && (m.data['data'] as Json)['id'] === silenceID, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    const del = await fetch(`${lg.url}/api/v2/silence/${silenceID}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    await sse.next((m) => m.data['type'] === 'silence_expired' && (m.data['data'] as Json)['id'] === silenceID, 1000);
  });

  it('refuses bad silence bodies with the field at fault, and relays the Alertmanager refusal', async () => {
    const good = {
      matchers: [{ name: 'alertname', value: 'X', isRegex: false }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 60_000).toISOString(),
      createdBy: 'a',
      comment: 'c',
    };
    const post = (body: unknown, url = lg.url) =>
      fetch(`${url}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const cases: [unknown, string][] = [
      [{ ...good, matchers: [] }, 'matchers'],
      [{ ...good, matchers: [{ name: '1x', value: 'v', isRegex: false }] }, 'matchers[0].name'],
      [{ ...good, comment: 'c'.repeat(5000) }, 'comment'],
      [{ ...good, endsAt: 'tomorrow' }, 'endsAt'],
      [{ ...good, extra: 1 }, 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
    }
    const huge = await post({ ...good, comment: 'c'.repeat(70_000) });
    expect(huge.status).toBe(413);
    // Alertmanager itself refuses a silence that ends before it starts; its words are relayed.
    const backwards = await post({ ...good, endsAt: new Date(Date.now() - 3_600_000).toISOString() });
    expect(backwards.status).toBe(400);
    expect(((await backwards.json()) as { error: { message: string } }).error.message).toMatch(/alertmanager prod/);
    // Without a watched Alertmanager there is nobody to hold a silence.
    const none = await post(good, ingestOnly.url);
    expect(none.status).toBe(501);
    expect(((await none.json()) as { error: { code: string; message: string } }).error.message).toMatch(
      /watched Alertmanager/,
    );
  });
});
