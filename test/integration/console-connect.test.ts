/**
 * How the console reaches NATS, from configuration, against real `nats-server`s: user and password,
 * a token, TLS with a private CA, a refused password reported as health (not a crash), and the
 * latency canary.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { LivegateServer } from '../../src/http/server.js';
import type { ConsoleMetrics, ConsoleTopic } from '../../src/sources/console/model.js';
import { startTestServer } from '../harness/livegate.js';
import { startNats, type NatsServer } from '../harness/nats.js';
import { makeTempDir } from '../harness/temp-dir.js';
import { makeCertificate } from '../harness/tls.js';
import { waitFor } from '../harness/wait.js';
import { TestWs } from '../harness/ws-client.js';

const DEADLINE = 20_000;
const cleanup: (() => Promise<unknown> | void)[] = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function nats(extraArgs: string[]): Promise<NatsServer> {
  const server = await startNats({ extraArgs });
  cleanup.push(() => server.stop());
  return server;
}

async function livegate(consoleConfig: NonNullable<ConfigInput['console']>): Promise<LivegateServer> {
  const server = await startTestServer({ console: { cluster: 'c', metricsIntervalMs: 500, ...consoleConfig } });
  cleanup.push(() => server.close());
  return server;
}

async function connected(server: LivegateServer): Promise<void> {
  await waitFor(async () => (await fetch(`${server.url}/api/v1/console/topics`)).status === 200, {
    timeoutMs: DEADLINE,
    what: 'the console to connect',
  });
}

async function consoleHealth(server: LivegateServer): Promise<{ status: string; detail?: string } | undefined> {
  const body = (await (await fetch(`${server.url}/healthz?verbose`)).json()) as {
    components: { component: string; status: string; detail?: string }[];
  };
  return body.components.find((c) => c.component === 'console/c');
}

describe('the console connects to NATS as configured', () => {
  it('with a user and password, and reports a wrong password as unhealthy', async () => {
    const server = await nats(['--user', 'livegate', '--pass', 's3cret']);
    await connected(await livegate({ nats: { servers: [server.url], user: 'livegate', password: 's3cret' } }));
    const refused = await livegate({ nats: { servers: [server.url], user: 'livegate', password: 'wrong' } });
    const health = await waitFor(
      async () => (await consoleHealth(refused))?.detail?.match(/authoriz/i) && consoleHealth(refused),
      {
        timeoutMs: DEADLINE,
        what: 'the refused connection in the health detail',
      },
    );
    expect(health).toMatchObject({ status: 'unhealthy' });
    const answer = await fetch(`${refused.url}/api/v1/console/topics`);
    expect(answer.status).toBe(503);
  });

  it('with a token', async () => {
    const server = await nats(['--auth', 'tok-123']);
    await connected(await livegate({ nats: { servers: [server.url], token: 'tok-123' } }));
  });

  it('over TLS with a private CA', async () => {
    const dir = await makeTempDir('nats-tls');
    cleanup.push(() => dir.remove());
    // The nats client checks a loopback server's certificate against "localhost".
    const { certFile, keyFile } = makeCertificate(dir.path, 'nats', 'DNS:localhost,IP:127.0.0.1');
    const server = await nats(['--tls', '--tlscert', certFile, '--tlskey', keyFile]);
    const lg = await livegate({ nats: { servers: [server.url], tls: { caFile: certFile } } });
    await connected(lg).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}; health: ${JSON.stringify(await consoleHealth(lg))}`);
    });
  });
});

describe('the latency canary', () => {
  it('reports publish→ack percentiles and never shows its stream as a topic', async () => {
    const server = await nats([]);
    const lg = await livegate({ nats: { servers: [server.url] }, canary: true });
    const ws = await TestWs.open(`${lg.url}/ws/dashboard`);
    cleanup.push(() => ws.close());
    await ws.subscribe({ topics: ['console'] });
    const metrics = await waitFor(
      () =>
        ws
          .events()
          .map((e) => e.data as ConsoleMetrics)
          .find((m) => m !== null && typeof m === 'object' && (m.canary?.samples ?? 0) >= 10),
      { timeoutMs: DEADLINE, what: 'a metrics_updated with 10 canary samples' },
    );
    expect(metrics.canary!.p50Ms).toBeGreaterThan(0);
    expect(metrics.canary!.p99Ms!).toBeGreaterThanOrEqual(metrics.canary!.p50Ms!);
    const topics = (await (await fetch(`${lg.url}/api/v1/console/topics`)).json()) as { topics: ConsoleTopic[] };
    expect(topics.topics.map((t) => t.name)).not.toContain('LIVEGATE_CANARY');
    expect(ws.events().some((e) => (e.data as ConsoleTopic | null)?.name === 'LIVEGATE_CANARY')).toBe(false);
  });
});
