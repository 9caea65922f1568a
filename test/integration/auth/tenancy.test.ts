/**
 * Label-scoped tenancy: a subscriber whose token forces `{team="a"}` never receives a `team="b"`
 * event on any transport — live, snapshot, resume, long-poll, WebSocket, the Alertmanager read API —
 * whatever matcher or topic pattern it asks for itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/http/auth/publish-keys.js';
import type { LivegateServer } from '../../../src/http/server.js';
import { publishEvents, startTestServer } from '../../harness/livegate.js';
import { TestSse } from '../../harness/sse-client.js';
import { signHs256, TEST_SECRET } from '../../harness/tokens.js';
import { TestWs } from '../../harness/ws-client.js';

const PUBLISHER = { authorization: 'Bearer pub-key-1' };
const TEAM_A = { livegate: { subscribe: ['app*', 'alerts'], match: ['{team="a"}'] } };

interface Envelope {
  id: string;
  topic: string;
  type: string;
  labels: Record<string, string>;
  data: unknown;
}

describe('a token that forces {team="a"}', () => {
  let server: LivegateServer;
  let token: string;
  /** Head id before any team event: resuming from it replays everything published since. */
  let before: string;
  let ids: { a: string[]; b: string[] };

  const q = (params: Record<string, string>) => new URLSearchParams({ access_token: token, ...params }).toString();
  const teamsOf = (events: readonly { labels: Record<string, string> }[]) => [
    ...new Set(events.map((e) => e.labels.team)),
  ];

  beforeAll(async () => {
    server = await startTestServer({
      auth: {
        mode: 'jwt',
        jwt: { secret: TEST_SECRET },
        publishKeys: [{ name: 'pub', sha256: sha256Hex('pub-key-1'), topics: ['app*', 'alerts'] }],
      },
      stats: { intervalMs: 0 },
    });
    token = await signHs256(TEST_SECRET, { sub: 'alice', claims: TEAM_A });
    // State: one alert of each team on the `alerts` state topic, through the ingest.
    const ingest = await fetch(`${server.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...PUBLISHER },
      body: JSON.stringify(
        ['a', 'b'].map((team) => ({ labels: { alertname: `Disk-${team}`, team, severity: 'critical' } })),
      ),
    });
    expect(ingest.status).toBe(200);
    before = (
      await publishEvents(server, { topic: 'app.marker', type: 'start', labels: { team: 'a' } }, PUBLISHER)
    )[0]!;
    ids = { a: [], b: [] };
    for (const team of ['b', 'a', 'b', 'a'] as const) {
      const [id] = await publishEvents(
        server,
        { topic: 'app.deploys', type: 'deployed', labels: { team, service: `svc-${team}` } },
        PUBLISHER,
      );
      ids[team].push(id!);
    }
  });
  afterAll(() => server.close());

  /** Publishes a team-a marker and waits for it on `received`, so everything before it has arrived. */
  async function settle(wait: (id: string) => Promise<unknown>): Promise<void> {
    const [marker] = await publishEvents(
      server,
      { topic: 'app.deploys', type: 'marker', labels: { team: 'a' } },
      PUBLISHER,
    );
    await wait(marker!);
  }

  it('SSE: resumes with only team a, however wide its own matcher and topic pattern', async () => {
    const cases: Record<string, string>[] = [
      { topics: 'app*', lastEventId: before },
      { topics: 'app*', match: '{team=~".+"}', lastEventId: before },
      { topics: 'app.deploys', match: '{team="b"}', lastEventId: before },
      { lastEventId: before },
    ];
    for (const params of cases) {
      const sse = new TestSse(`${server.url}/api/v2/events/stream?${q(params)}`);
      try {
        await sse.next((m) => m.event === 'hello', 10_000);
        if (params.match === '{team="b"}') {
          // Its own matcher AND the forced one leave nothing: no event at all, not team b's. A second
          // reader receiving the marker shows the hub has dispatched everything published before it.
          const witness = new TestSse(`${server.url}/api/v2/events/stream?${q({ topics: 'app.deploys' })}`);
          try {
            await witness.next((m) => m.event === 'hello', 10_000);
            await settle((id) => witness.next((m) => m.data.id === id, 10_000));
          } finally {
            witness.source.close();
          }
          expect(sse.events()).toEqual([]);
          continue;
        }
        await settle((id) => sse.next((m) => m.data.id === id, 10_000));
        const events = sse.events() as unknown as Envelope[];
        expect(teamsOf(events)).toEqual(['a']);
        expect(events.map((e) => e.id)).toEqual(expect.arrayContaining(ids.a));
      } finally {
        sse.source.close();
      }
    }
  });

  it('SSE snapshot of the alerts state topic holds only team a', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?${q({ topics: 'alerts' })}`);
    try {
      const snapshot = await sse.next((m) => m.data.type === 'snapshot', 10_000);
      const alerts = (snapshot.data.data as { alerts: { labels: Record<string, string> }[] }).alerts;
      expect(alerts.length).toBe(1);
      expect(teamsOf(alerts)).toEqual(['a']);
    } finally {
      sse.source.close();
    }
  });

  it('long-poll: resume and first-poll snapshot hold only team a', async () => {
    const resumed = (await (
      await fetch(`${server.url}/api/v2/events/poll?${q({ topics: 'app*', since: before, timeout: '0' })}`)
    ).json()) as {
      events: Envelope[];
    };
    expect(teamsOf(resumed.events)).toEqual(['a']);
    expect(resumed.events.map((e) => e.id)).toEqual(expect.arrayContaining(ids.a));
    const first = (await (
      await fetch(`${server.url}/api/v2/events/poll?${q({ topics: 'alerts', timeout: '0' })}`)
    ).json()) as {
      events: Envelope[];
    };
    const snapshot = first.events.find((e) => e.type === 'snapshot')!;
    expect(teamsOf((snapshot.data as { alerts: { labels: Record<string, string> }[] }).alerts)).toEqual(['a']);
  });

  it('long-poll waiting for the next event skips team b', async () => {
    const since = server.hub.head;
    const waiting = fetch(`${server.url}/api/v2/events/poll?${q({ topics: 'app*', since, timeout: '20' })}`);
    await publishEvents(server, { topic: 'app.deploys', type: 'x', labels: { team: 'b' } }, PUBLISHER);
    await publishEvents(server, { topic: 'app.deploys', type: 'x', labels: { team: 'a' } }, PUBLISHER);
    const body = (await (await waiting).json()) as { events: Envelope[] };
    expect(teamsOf(body.events)).toEqual(['a']);
  });

  it('WebSocket: live, resume and snapshot only team a; another topic is 403 forbidden', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard?access_token=${token}`);
    try {
      const wide = await ws.subscribe({ topics: ['app*'], match: ['{team=~".*"}'], since: before });
      const snap = await ws.subscribe({ topics: ['alerts'] });
      ws.send({ op: 'subscribe', id: 'billing', topics: ['billing'] });
      expect(await ws.next((m) => m.id === 'billing')).toMatchObject({ op: 'error', code: 'forbidden' });
      await settle((id) =>
        ws.next((m) => m.subscription === wide && (m.event as Envelope | undefined)?.id === id, 10_000),
      );
      expect(teamsOf(ws.events(wide) as unknown as Envelope[])).toEqual(['a']);
      const snapshot = ws.events(snap)[0] as unknown as Envelope;
      expect(snapshot.type).toBe('snapshot');
      expect(teamsOf((snapshot.data as { alerts: { labels: Record<string, string> }[] }).alerts)).toEqual(['a']);
    } finally {
      ws.close();
    }
  });

  it('refuses a topic outside its subscribe claim with 403 forbidden on SSE and poll', async () => {
    for (const path of ['/api/v2/events/stream', '/api/v2/events/poll']) {
      const res = await fetch(`${server.url}${path}?${q({ topics: 'billing', timeout: '0' })}`);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string; field: string } }).error).toMatchObject({
        code: 'forbidden',
        field: 'topics[0]',
      });
    }
  });

  it('the Alertmanager-compatible read API shows only team a', async () => {
    const res = await fetch(`${server.url}/api/v2/alerts`, { headers: { authorization: `Bearer ${token}` } });
    const alerts = (await res.json()) as { labels: Record<string, string> }[];
    expect(alerts.length).toBe(1);
    expect(teamsOf(alerts)).toEqual(['a']);
    const groups = (await (
      await fetch(`${server.url}/api/v2/alerts/groups`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { alerts: { labels: Record<string, string> }[] }[];
    expect(teamsOf(groups.flatMap((g) => g.alerts))).toEqual(['a']);
  });

  it('a token without the claim has no rights at all', async () => {
    const bare = await signHs256(TEST_SECRET, { sub: 'nobody' });
    const res = await fetch(`${server.url}/api/v2/events/poll?timeout=0&access_token=${bare}`);
    expect(res.status).toBe(403);
  });
});
