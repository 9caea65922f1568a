import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ManagedProcess,
  isPortFree,
  launchChromium,
  probeTcp,
  screenshotPath,
  startAlertmanager,
  startNats,
  startPrometheus,
  startRedis,
  waitFor,
  type Alertmanager,
  type NatsServer,
  type Prometheus,
  type PromVectorSample,
  type RedisServer,
} from '../harness/index.js';

const RUN = randomUUID().slice(0, 8);
const FIRING_RULE = `
- alert: HarnessAlwaysFiring
  expr: vector(1) > 0
  labels: { severity: info, run: "${RUN}" }
`;
const QUIET_RULE = `
- alert: HarnessAlwaysFiring
  expr: vector(1) < 0
  labels: { severity: info, run: "${RUN}" }
`;

/** Writes `payload` to a raw TCP socket and collects the answer until `done(answer)` holds. */
async function rawExchange(
  port: number,
  payload: string | undefined,
  done: (answer: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () =>
      socket.destroy(new Error(`no full answer from :${port} in 5 s, got ${JSON.stringify(answer)}`)),
    );
    socket.once('connect', () => {
      if (payload !== undefined) socket.write(payload);
    });
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (done(answer)) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`connection to :${port} closed, got ${JSON.stringify(answer)}`)));
  });
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

describe('the test harness', () => {
  let redis: RedisServer;
  let nats: NatsServer;
  let am: Alertmanager;
  let prom: Prometheus;
  let browser: Browser;
  const stoppers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    // Independent components start side by side; Prometheus needs Alertmanager's address first.
    const results = await Promise.allSettled([
      startRedis().then((r) => {
        stoppers.push(() => r.stop());
        redis = r;
      }),
      startNats().then((n) => {
        stoppers.push(() => n.stop());
        nats = n;
      }),
      (async () => {
        am = await startAlertmanager();
        stoppers.push(() => am.stop());
        prom = await startPrometheus({ rulesYaml: FIRING_RULE, alertmanagerTargets: [am.target] });
        stoppers.push(() => prom.stop());
      })(),
      launchChromium().then((b) => {
        stoppers.push(() => b.close());
        browser = b;
      }),
    ]);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      await Promise.allSettled(stoppers.map((stop) => stop()));
      throw new AggregateError(
        failures.map((f) => f.reason as unknown),
        failures.map((f) => String(f.reason)).join('\n\n'),
      );
    }
  });

  afterAll(async () => {
    await Promise.allSettled(stoppers.map((stop) => stop()));
  });

  it('starts Redis, which answers a raw PING with +PONG', async () => {
    const answer = await rawExchange(redis.port, 'PING\r\n', (a) => a.includes('\r\n'));
    expect(answer).toBe('+PONG\r\n');
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
  });

  it('starts NATS, which greets a raw TCP client with an INFO line advertising JetStream', async () => {
    const answer = await rawExchange(nats.port, undefined, (a) => a.includes('\r\n'));
    // nats-server 2.9 ends the line with "} \r\n" (a space before CRLF).
    expect(answer).toMatch(/^INFO \{.*\} ?\r\n$/);
    const info = JSON.parse(answer.slice('INFO '.length).trim()) as { port: number; jetstream?: boolean };
    expect(info.port).toBe(nats.port);
    expect(info.jetstream).toBe(true);
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
  });

  it('starts Alertmanager, which lists an alert posted to it', async () => {
    await am.postAlerts([
      {
        labels: { alertname: 'HarnessPosted', run: RUN },
        annotations: { summary: 'posted by the harness test' },
      },
    ]);
    const alert = await waitFor(
      async () =>
        (await am.getAlerts({ filter: [`run="${RUN}"`] })).find((a) => a.labels.alertname === 'HarnessPosted'),
      { timeoutMs: 5000, what: 'alert HarnessPosted in Alertmanager' },
    );
    expect(alert.status.state).toBe('active');
    expect(alert.fingerprint).toMatch(/^[0-9a-f]+$/);
  });

  it('silences an Alertmanager alert and un-silences it when the silence is expired', async () => {
    const id = await am.createSilence({
      matchers: [{ name: 'alertname', value: 'HarnessPosted', isRegex: false }],
      endsAt: new Date(Date.now() + 3_600_000),
      createdBy: 'harness.test',
      comment: 'silence created by the harness test',
    });
    const silenced = await waitFor(
      async () =>
        (await am.getAlerts({ filter: ['alertname="HarnessPosted"'] })).find((a) => a.status.silencedBy.includes(id)),
      { timeoutMs: 5000, what: `alert HarnessPosted silenced by ${id}` },
    );
    expect(silenced.status.state).toBe('suppressed');
    expect((await am.getSilences()).find((s) => s.id === id)?.status.state).toBe('active');

    await am.expireSilence(id);
    await waitFor(async () => (await am.getSilences()).find((s) => s.id === id)?.status.state === 'expired', {
      timeoutMs: 5000,
      what: `silence ${id} to be expired`,
    });
    await waitFor(
      async () =>
        (await am.getAlerts({ filter: ['alertname="HarnessPosted"'] })).find((a) => a.status.state === 'active'),
      { timeoutMs: 5000, what: 'alert HarnessPosted active again' },
    );
  });

  it('starts Prometheus, whose always-firing rule reaches Alertmanager within 20 s', async () => {
    const alert = await waitFor(
      async () =>
        (await am.getAlerts({ filter: ['alertname="HarnessAlwaysFiring"'] })).find((a) => a.labels.run === RUN),
      {
        timeoutMs: 20_000,
        intervalMs: 200,
        what: `HarnessAlwaysFiring from ${prom.url} in Alertmanager ${am.url}`,
      },
    );
    expect(alert.labels.severity).toBe('info');
    expect(alert.generatorURL).toContain(`127.0.0.1:${prom.port}`);
  });

  it('answers the PromQL query `up` with a series of its own scrape', async () => {
    const series = await waitFor(
      async () => {
        const data = await prom.query('up');
        return data.resultType === 'vector' && (data.result as PromVectorSample[]).length > 0
          ? (data.result as PromVectorSample[])
          : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'a first scrape giving an `up` series' },
    );
    expect(series[0]?.metric.job).toBe('prometheus');
    expect(series[0]?.value[1]).toBe('1');
  });

  it('makes the alert stop firing with setRules, which resolves it in Alertmanager', async () => {
    await prom.setRules(QUIET_RULE);
    await waitFor(
      async () =>
        !(await am.getAlerts({ filter: ['alertname="HarnessAlwaysFiring"'] })).some((a) => a.labels.run === RUN),
      { timeoutMs: 20_000, intervalMs: 200, what: 'HarnessAlwaysFiring to be resolved after setRules' },
    );
  });

  it('launches Chromium, which opens a data: page and reads its title', async () => {
    const page = await browser.newPage();
    try {
      await page.goto('data:text/html,<title>livegate harness</title><h1>hello</h1>');
      expect(await page.title()).toBe('livegate harness');
      const path = screenshotPath('harness data page');
      await page.screenshot({ path });
      expect(path).toMatch(/test-artifacts\/screenshots\/harness_data_page\.png$/);
    } finally {
      await page.close();
    }
  });

  it('restarts Redis on the same port, where it answers again, also after a SIGKILL', async () => {
    const { port } = redis;
    const pidBefore = redis.pid;
    await redis.restart();
    expect(redis.port).toBe(port);
    expect(redis.pid).toBeDefined();
    expect(redis.pid).not.toBe(pidBefore);
    expect(await rawExchange(port, 'PING\r\n', (a) => a.includes('\r\n'))).toBe('+PONG\r\n');

    await redis.kill();
    expect(redis.pid).toBeUndefined();
    await expect(probeTcp('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await redis.restart();
    expect(await rawExchange(port, 'PING\r\n', (a) => a.includes('\r\n'))).toBe('+PONG\r\n');
  });

  it('fails start() with the output tail when the process exits before it is ready or cannot spawn', async () => {
    const broken = new ManagedProcess({
      name: 'broken-redis',
      command: '/usr/bin/redis-server',
      args: ['--port', 'not-a-port'],
      ready: () => false,
      readyTimeoutMs: 10_000,
    });
    const started = Date.now();
    const error = (await broken.start().then(
      () => undefined,
      (e: unknown) => e,
    )) as Error | undefined;
    expect(error?.message).toMatch(/broken-redis exited \(code=1/);
    expect(error?.message).toContain('not-a-port');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(broken.running).toBe(false);

    const missing = new ManagedProcess({
      name: 'missing',
      command: '/nonexistent/server',
      ready: () => true,
    });
    await expect(missing.start()).rejects.toThrow(/missing failed to start: spawn \/nonexistent\/server ENOENT/);
  });

  it('rejects waitFor after its deadline, naming what it waited for and the last error', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('still broken');
        },
        { timeoutMs: 150, intervalMs: 20, what: 'the impossible' },
      ),
    ).rejects.toThrow(/Timed out after \d+ ms \(\d+ attempts\) waiting for the impossible; last error: still broken/);
  });

  it('stops everything, leaving every port free and no process behind', async () => {
    const ports = [redis.port, nats.port, am.port, prom.port];
    const pids = [redis.pid, nats.pid, am.pid, prom.pid].filter((pid): pid is number => pid !== undefined);
    expect(pids).toHaveLength(4);
    await Promise.all(stoppers.map((stop) => stop()));
    expect(browser.isConnected()).toBe(false);
    for (const port of ports) expect(await isPortFree(port), `port ${port} free`).toBe(true);
    for (const pid of pids) expect(processExists(pid), `pid ${pid} gone`).toBe(false);
    // stop() is idempotent.
    await Promise.all([redis.stop(), nats.stop(), am.stop(), prom.stop()]);
  });
});
