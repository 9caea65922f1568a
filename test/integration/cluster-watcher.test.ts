/**
 * The Alertmanager watcher runs once per cluster: two livegate nodes on one real Redis stream watch
 * one real Alertmanager, only the lease holder polls it, and when the holder is killed (SIGKILL, so
 * it never gives the lease back) the other node takes over within the lease and continues from the
 * state in the stream: no alert event twice, none missing.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { Cli } from '../harness/cli.js';
import { startAlertmanager, type Alertmanager } from '../harness/alertmanager.js';
import { startTestServer } from '../harness/livegate.js';
import { startTestServerOnPort } from '../harness/livegate-port.js';
import { freePort } from '../harness/ports.js';
import { startRedis, type RedisServer } from '../harness/redis.js';
import { TestSse } from '../harness/sse-client.js';
import { makeTempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait.js';

const LEASE_MS = 3000;

/** Requests node `server` made to watched Alertmanagers, from its own `/metrics`. */
async function amRequests(server: LivegateServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('livegate_alertmanager_requests_total')) total += Number(line.split(' ').at(-1));
  return total;
}

describe('the Alertmanager watcher on several nodes', () => {
  let redis: RedisServer;
  let am: Alertmanager;
  let leader: Cli | undefined;
  let follower: LivegateServer | undefined;
  let viewer: TestSse | undefined;
  const cleanupDirs: { remove(): Promise<void> }[] = [];

  beforeAll(async () => {
    [redis, am] = await Promise.all([startRedis(), startAlertmanager()]);
  });
  afterAll(async () => {
    viewer?.close();
    leader?.child.kill('SIGKILL');
    await follower?.close();
    await Promise.all([redis?.stop(), am?.stop(), ...cleanupDirs.map((d) => d.remove())]);
  });

  it('runs on the lease holder only, and a killed holder is replaced within the lease with no duplicate or missing event', async () => {
    const stream = 'watcher-takeover';
    const watched = [{ name: 'prod', url: am.url, intervalMs: 500 }];
    const shared = {
      bus: { kind: 'redis', redis: { url: redis.url, stream } },
      cluster: { leaseMs: LEASE_MS },
      alertmanagers: watched,
    };

    // Node 1, a real process, starts first and takes the lease.
    const dir = await makeTempDir('livegate-watcher-');
    cleanupDirs.push(dir);
    const configFile = join(dir.path, 'livegate.yaml');
    await writeFile(
      configFile,
      stringify({ ...shared, host: '127.0.0.1', port: await freePort(), node: { id: 'n1' }, log: { level: 'info' } }),
    );
    leader = new Cli(['serve', '--config', configFile]);
    await leader.line((line) => line.includes('lease taken'), 'node 1 taking the lease', 60_000);

    // Node 2 joins and follows: it serves the state from the stream but does not poll.
    follower = await startTestServer({ ...shared, node: { id: 'n2' } } as never);
    viewer = new TestSse(`${follower.url}/api/v2/events/stream?topics=alerts`);
    await viewer.next((m) => m.event === 'hello', 10_000);

    const alertsOf = (name: string): { type: string; id: string }[] =>
      viewer!
        .events()
        .filter((e) => (e.data as { labels?: Record<string, string> }).labels?.alertname === name)
        .map((e) => ({ type: e.type as string, id: e.id as string }));

    await am.postAlerts([{ labels: { alertname: 'Before', severity: 'critical' } }]);
    await waitFor(() => alertsOf('Before').some((e) => e.type === 'alert_firing'), {
      timeoutMs: 20_000,
      what: '"Before" firing, published by node 1',
    });

    // Node 2 has not asked Alertmanager anything while node 1 held the lease.
    expect(await amRequests(follower)).toBe(0);

    // Kill the holder without a chance to give the lease back.
    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await leader.exited(10_000);

    await am.postAlerts([{ labels: { alertname: 'After', severity: 'warning' } }]);
    await waitFor(() => alertsOf('After').some((e) => e.type === 'alert_firing'), {
      timeoutMs: 30_000,
      what: '"After" firing, published by node 2 once it took the lease',
    });
    const takeoverMs = Date.now() - killedAt;
    // The lease expires LEASE_MS after its last renewal; node 2 tries every third of it and then
    // polls within one interval: about 4.5 s. The bound leaves room for a loaded machine and still
    // fails a takeover that waits for anything but the lease (such as the killed node coming back).
    expect(takeoverMs).toBeLessThan(3 * LEASE_MS + 5000);
    expect(await amRequests(follower)).toBeGreaterThan(0);

    // Several more rounds of node 2's watcher: nothing about "Before" is published again.
    const eventsBefore = viewer.events().length;
    await am.postAlerts([{ labels: { alertname: 'Later', severity: 'info' } }]);
    await waitFor(() => alertsOf('Later').some((e) => e.type === 'alert_firing'), {
      timeoutMs: 20_000,
      what: '"Later" firing',
    });
    expect(viewer.events().length).toBeGreaterThan(eventsBefore);
    const types = (name: string): string[] => alertsOf(name).map((e) => e.type);
    expect(types('Before')).toEqual(['alert_created', 'alert_firing']);
    expect(types('After')).toEqual(['alert_created', 'alert_firing']);
    expect(types('Later')).toEqual(['alert_created', 'alert_firing']);
    const ids = viewer.events().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);

    // A new viewer's snapshot holds each alert once.
    const late = new TestSse(`${follower.url}/api/v2/events/stream?topics=alerts`);
    try {
      const snapshot = await late.next((m) => m.event === 'message' && m.data.type === 'snapshot', 10_000);
      const names = ((snapshot.data.data as { alerts: { labels: Record<string, string> }[] }).alerts ?? []).map(
        (a) => a.labels.alertname,
      );
      expect(names.sort()).toEqual(['After', 'Before', 'Later']);
    } finally {
      late.close();
    }
  }, 180_000);
  it('passes a webhook that reaches a node without the lease to the node that holds it', async () => {
    // Alertmanager notifies the follower; the poll interval is far longer than the test, so only
    // the passed-on webhook can make the holder see the alert in time.
    const followerPort = await freePort();
    const hooked = await startAlertmanager({
      webhookUrl: `http://127.0.0.1:${followerPort}/api/v2/webhooks/alertmanager?alertmanager=prod`,
    });
    const local: LivegateServer[] = [];
    const sse: TestSse[] = [];
    try {
      const shared = {
        bus: { kind: 'redis', redis: { url: redis.url, stream: 'watcher-webhook' } },
        cluster: { leaseMs: LEASE_MS },
        alertmanagers: [{ name: 'prod', url: hooked.url, intervalMs: 600_000 }],
      } as never;
      const holder = await startTestServer({ ...(shared as object), node: { id: 'holder' } } as never);
      local.push(holder);
      await waitFor(async () => (await amRequests(holder)) > 0, {
        timeoutMs: 20_000,
        what: "the holder's first round",
      });
      const other = await startTestServerOnPort(followerPort, {
        ...(shared as object),
        node: { id: 'other' },
      } as never);
      local.push(other);
      const viewer = new TestSse(`${other.url}/api/v2/events/stream?topics=alerts`);
      sse.push(viewer);
      await viewer.next((m) => m.event === 'hello', 10_000);

      await hooked.postAlerts([{ labels: { alertname: 'ViaWebhook', severity: 'critical' } }]);
      await viewer.next(
        (m) =>
          m.event === 'message' &&
          m.data.type === 'alert_firing' &&
          (m.data.labels as Record<string, string>).alertname === 'ViaWebhook',
        30_000,
      );
      expect(await amRequests(other)).toBe(0);
    } finally {
      for (const v of sse) v.close();
      await Promise.all(local.map((s) => s.close()));
      await hooked.stop();
    }
  }, 120_000);
});
