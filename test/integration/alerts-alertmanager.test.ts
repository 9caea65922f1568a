/**
 * Alerts from a real Prometheus through real Alertmanagers (Debian's packages) to SSE subscribers.
 *
 * One Prometheus (1 s evaluation, resend delay 1 s) sends every alert to three Alertmanagers and
 * straight to a livegate ingest. Livegates:
 * - `watch`   watches am1 every second (am1 has an inhibit rule): firing, silences, inhibition, resolve;
 * - `hook`    watches am2 only every 10 minutes, and am2 sends its webhook to it: every event it
 *             publishes after start-up therefore comes from a webhook-triggered round;
 * - `ingest`  is Prometheus's fourth Alertmanager target (the Alertmanager-compatible ingest);
 * - `single`  watches am3, which is stopped and restarted;
 * - `pair`    watches am2 and am3 together (de-duplication and origins; am3's restart).
 *
 * Scenarios share these instances and the independent ones run concurrently. Delays are printed,
 * never asserted. Deadlines are ≥ 20 s: Prometheus's first send takes some 6 s after its start.
 *
 * Rules are never reloaded: Prometheus 2.42 holds back the first notifications of a new rule group
 * for 4–6 s, longer than the 4 s validity (`endsAt`) of alerts sent with a 1 s resend delay, so a
 * reload makes every alert resolve and fire again. `LgPeriodic` instead fires and resolves on its
 * own (`time() % 10 >= 5`), in an established group: it measures steady-state delays and is "the
 * rule that stops firing".
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startLivegate, type LivegateServer } from '../../src/http/server.js';
import {
  freePort,
  startAlertmanager,
  startPrometheus,
  waitFor,
  type Alertmanager,
  type Prometheus,
} from '../harness/index.js';
import { startTestServer } from '../harness/livegate.js';
import { TestSse, type SseMessage } from '../harness/sse-client.js';

const RUN = randomUUID().slice(0, 8);
const DEADLINE = 25_000;

const RULES: { alert: string; severity: string; expr: string }[] = [
  { alert: 'LgFiring', severity: 'critical', expr: 'vector(1) > 0' },
  { alert: 'LgSilenced', severity: 'warning', expr: 'vector(1) > 0' },
  { alert: 'LgInhibitSource', severity: 'critical', expr: 'vector(1) > 0' },
  { alert: 'LgInhibitTarget', severity: 'warning', expr: 'vector(1) > 0' },
  // Fires for 5 s every 10 s (evaluation time modulo 10).
  { alert: 'LgPeriodic', severity: 'info', expr: 'vector(time() % 10) >= 5' },
];
const RULES_YAML = RULES.map(
  (r) =>
    `- alert: ${r.alert}\n  expr: ${r.expr}\n  labels: { severity: ${r.severity}, run: "${RUN}" }\n  annotations: { summary: "${r.alert} from the livegate test" }\n`,
).join('');
/** Alerts that fire for the whole test. */
const STEADY = RULES.filter((r) => r.alert !== 'LgPeriodic').length;

const INHIBIT_RULES = `
- source_matchers: ['alertname="LgInhibitSource"']
  target_matchers: ['alertname="LgInhibitTarget"']
  equal: [run]
`;

/** An SSE subscriber that also records when each event arrived. */
class Subscriber {
  readonly sse: TestSse;
  readonly arrivedAt = new Map<string, number>();

  constructor(server: { url: string }, topics: string) {
    this.sse = new TestSse(`${server.url}/api/v2/events/stream?topics=${topics}`);
    this.sse.source.addEventListener('message', (e) => this.arrivedAt.set((e as MessageEvent).lastEventId, Date.now()));
  }

  /** The first alert event of `type` about `alertname` (of this run). */
  alert(type: string, alertname: string, timeoutMs = DEADLINE): Promise<SseMessage> {
    return this.sse.next(
      (m) =>
        m.data.type === type &&
        alertData(m).labels?.['alertname'] === alertname &&
        alertData(m).labels?.['run'] === RUN,
      timeoutMs,
    );
  }

  /** Alert events of this run, in order. */
  alertEvents(): Record<string, unknown>[] {
    return this.sse
      .events()
      .filter((e) => e.topic === 'alerts' && e.type !== 'snapshot' && (e.data as AlertData).labels?.['run'] === RUN);
  }

  /** Fingerprints firing according to the snapshot and the events received so far (this run, LgPeriodic left out). */
  firing(): Set<string> {
    const firing = new Set<string>();
    for (const e of this.sse.events()) {
      if (e.topic !== 'alerts') continue;
      if (e.type === 'snapshot') {
        for (const a of (e.data as { alerts: AlertData[] }).alerts) if (steady(a)) firing.add(a.fingerprint);
        continue;
      }
      const a = e.data as AlertData;
      if (!steady(a)) continue;
      if (e.type === 'alert_resolved' || a.status.state === 'resolved') firing.delete(a.fingerprint);
      else firing.add(a.fingerprint);
    }
    return firing;
  }

  /** Delay from the alert's `startsAt` (when Prometheus fired it) to its arrival here. */
  delayFromStart(message: SseMessage): number {
    return this.arrivedAt.get(message.id)! - Date.parse(alertData(message).startsAt);
  }

  /** The latest status of a health component, from the snapshot or the events. */
  health(component: string): string | undefined {
    let status: string | undefined;
    for (const e of this.sse.events()) {
      if (e.topic !== 'health') continue;
      if (e.type === 'snapshot')
        status = (e.data as { components: Record<string, { status: string }> }).components[component]?.status ?? status;
      else if ((e.data as { component?: string }).component === component)
        status = (e.data as { status: string }).status;
    }
    return status;
  }

  /** The latest view of an alert of this run, from the snapshot or the events. */
  latest(alertname: string): AlertData | undefined {
    let found: AlertData | undefined;
    for (const e of this.sse.events()) {
      if (e.topic !== 'alerts') continue;
      const items = e.type === 'snapshot' ? (e.data as { alerts: AlertData[] }).alerts : [e.data as AlertData];
      for (const a of items) if (a.labels?.['run'] === RUN && a.labels['alertname'] === alertname) found = a;
    }
    return found;
  }

  close(): void {
    this.sse.close();
  }
}

interface AlertData {
  fingerprint: string;
  labels?: Record<string, string>;
  startsAt: string;
  endsAt: string;
  origins: string[];
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

/** Of this run and firing for the whole test (not LgPeriodic). */
function steady(a: AlertData): boolean {
  return a.labels?.['run'] === RUN && a.labels['alertname'] !== 'LgPeriodic';
}

function alertData(m: SseMessage): AlertData {
  return (m.data.data ?? {}) as AlertData;
}

function healthOf(m: SseMessage): { component: string; status: string; detail?: string } {
  return m.data.data as { component: string; status: string; detail?: string };
}

/** Alertmanager's own firing set for this run (LgPeriodic left out). */
async function amFiring(am: Alertmanager): Promise<Set<string>> {
  return new Set(
    (await am.getAlerts({ filter: [`run="${RUN}"`, 'alertname!="LgPeriodic"'] })).map((a) => a.fingerprint),
  );
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

async function startOnPort(port: number, overrides: ConfigInput): Promise<LivegateServer> {
  const config = loadConfig({
    overrides: {
      ...overrides,
      host: '127.0.0.1',
      port,
      limits: { maxPerIp: 10_000, connectsPerSecond: 0, publishesPerSecond: 0 },
      log: { level: 'silent' },
    },
  });
  return startLivegate({ config, logger: pino({ level: 'silent' }) });
}

const delays: Record<string, number> = {};
const stoppers: (() => Promise<unknown>)[] = [];
let am1: Alertmanager;
let am2: Alertmanager;
let am3: Alertmanager;
let prom: Prometheus;
let watch: LivegateServer;
let hook: LivegateServer;
let ingest: LivegateServer;
let single: LivegateServer;
let sWatch: Subscriber;
let sHook: Subscriber;
let sIngest: Subscriber;
let sSingle: Subscriber;

beforeAll(async () => {
  try {
    const hookPort = await freePort();
    [am1, am2, am3] = await Promise.all([
      startAlertmanager({ inhibitRulesYaml: INHIBIT_RULES }),
      startAlertmanager({ webhookUrl: `http://127.0.0.1:${hookPort}/api/v2/webhooks/alertmanager?alertmanager=am2` }),
      startAlertmanager(),
    ]);
    stoppers.push(
      () => am1.stop(),
      () => am2.stop(),
      () => am3.stop(),
    );
    const quiet = { stats: { intervalMs: 0 } };
    [watch, hook, ingest, single] = await Promise.all([
      startTestServer({
        ...quiet,
        alerts: { ingest: false },
        alertmanagers: [{ name: 'am1', url: am1.url, intervalMs: 1000 }],
      }),
      startOnPort(hookPort, {
        ...quiet,
        alerts: { ingest: false },
        alertmanagers: [{ name: 'am2', url: am2.url, intervalMs: 600_000 }],
      }),
      startTestServer({ ...quiet }),
      // The text form env and flags use (JSON here; `am3=http://…` works too).
      startTestServer({
        ...quiet,
        alerts: { ingest: false },
        alertmanagers: JSON.stringify({ name: 'am3', url: am3.url, intervalMs: 1000 }),
      }),
    ]);
    stoppers.push(
      () => watch.close(),
      () => hook.close(),
      () => ingest.close(),
      () => single.close(),
    );
    sWatch = new Subscriber(watch, 'alerts,silences,health');
    sHook = new Subscriber(hook, 'alerts');
    sIngest = new Subscriber(ingest, 'alerts');
    sSingle = new Subscriber(single, 'alerts,health');
    stoppers.push(async () => [sWatch, sHook, sIngest, sSingle].forEach((s) => s.close()));
    await Promise.all([sWatch, sHook, sIngest, sSingle].map((s) => s.sse.next((m) => m.data.type === 'snapshot')));
    prom = await startPrometheus({
      rulesYaml: RULES_YAML,
      alertmanagerTargets: [am1.target, am2.target, am3.target, `127.0.0.1:${ingest.port}`],
      scrapeSelf: false,
    });
    stoppers.push(() => prom.stop());
  } catch (err) {
    await Promise.allSettled(stoppers.reverse().map((stop) => stop()));
    throw err;
  }
});

afterAll(async () => {
  for (const stop of [...stoppers].reverse()) await stop().catch(() => undefined);
  console.log(`[alerts-alertmanager] measured delays (ms): ${JSON.stringify(delays)}`);
});

describe('a Prometheus rule that fires', () => {
  it('reaches SSE subscribers as alert_firing through the watcher, the webhook and the ingest, with one fingerprint', async () => {
    const [viaWatch, viaHook, viaIngest] = await Promise.all([
      sWatch.alert('alert_firing', 'LgFiring'),
      sHook.alert('alert_firing', 'LgFiring'),
      sIngest.alert('alert_firing', 'LgFiring'),
    ]);
    delays['first: startsAt→SSE via watcher (1 s poll)'] = sWatch.delayFromStart(viaWatch);
    delays['first: startsAt→SSE via webhook'] = sHook.delayFromStart(viaHook);
    delays['first: startsAt→SSE via ingest'] = sIngest.delayFromStart(viaIngest);

    const [fromAm] = await am1.getAlerts({ filter: [`run="${RUN}"`, 'alertname="LgFiring"'] });
    expect(fromAm).toBeDefined();
    for (const m of [viaWatch, viaHook, viaIngest]) expect(alertData(m).fingerprint).toBe(fromAm!.fingerprint);
    expect(viaWatch.data).toMatchObject({
      topic: 'alerts',
      source: 'alertmanager/am1',
      labels: { alertname: 'LgFiring', severity: 'critical', run: RUN },
      data: { origins: ['am1'], status: { state: 'active' } },
    });
    expect(viaHook.data).toMatchObject({ source: 'alertmanager/am2', data: { origins: ['am2'] } });
    expect(viaIngest.data).toMatchObject({
      source: 'ingest',
      data: { origins: ['ingest'], generatorURL: expect.stringContaining(prom.url) },
    });
    // Each path announced the alert once, created before firing.
    for (const s of [sWatch, sHook, sIngest]) {
      const types = s
        .alertEvents()
        .filter((e) => (e.data as AlertData).fingerprint === fromAm!.fingerprint)
        .map((e) => e.type);
      expect(types.slice(0, 2)).toEqual(['alert_created', 'alert_firing']);
    }
  });

  it('reaches them within about a second once Prometheus sends without its start-up delay', async () => {
    // An episode of LgPeriodic that starts after Prometheus's first notifications went out (previous test).
    const after = Date.now();
    const fresh = (m: SseMessage) =>
      m.data.type === 'alert_firing' &&
      alertData(m).labels?.['alertname'] === 'LgPeriodic' &&
      alertData(m).labels?.['run'] === RUN &&
      Date.parse(alertData(m).startsAt) > after;
    const [viaWatch, viaHook, viaIngest] = await Promise.all([
      sWatch.sse.next(fresh, DEADLINE),
      sHook.sse.next(fresh, DEADLINE),
      sIngest.sse.next(fresh, DEADLINE),
    ]);
    delays['steady: startsAt→SSE via watcher (1 s poll)'] = sWatch.delayFromStart(viaWatch);
    delays['steady: startsAt→SSE via webhook'] = sHook.delayFromStart(viaHook);
    delays['steady: startsAt→SSE via ingest'] = sIngest.delayFromStart(viaIngest);
    expect(alertData(viaWatch).fingerprint).toBe(alertData(viaIngest).fingerprint);
  });
});

describe.concurrent('while alerts fire', () => {
  it('a silence created through the API gives silence_created and alert_silenced; expiring it gives silence_expired and alert_unsuppressed', async ({
    expect,
  }) => {
    await sWatch.alert('alert_firing', 'LgSilenced');
    const id = await am1.createSilence({
      matchers: [
        { name: 'alertname', value: 'LgSilenced', isRegex: false },
        { name: 'run', value: RUN, isRegex: false },
      ],
      endsAt: new Date(Date.now() + 3_600_000),
      createdBy: 'livegate-test',
      comment: 'silenced by alerts-alertmanager.test.ts',
    });
    const created = await sWatch.sse.next(
      (m) => m.data.type === 'silence_created' && (m.data.data as { id: string }).id === id,
      DEADLINE,
    );
    expect(created.data).toMatchObject({
      topic: 'silences',
      source: 'alertmanager/am1',
      labels: { silence_id: id, created_by: 'livegate-test' },
      data: { status: { state: 'active' }, origins: ['am1'] },
    });
    const silenced = await sWatch.alert('alert_silenced', 'LgSilenced');
    expect(alertData(silenced).status).toEqual({ state: 'suppressed', silencedBy: [id], inhibitedBy: [] });
    // The silence event comes before the alert event it causes.
    expect(Number(created.data.seq)).toBeLessThan(Number(silenced.data.seq));

    const late = new TestSse(`${watch.url}/api/v2/events/stream?topics=silences`);
    const snapshot = await late.next((m) => m.data.type === 'snapshot');
    expect((snapshot.data.data as { silences: { id: string }[] }).silences.map((s) => s.id)).toContain(id);
    late.close();

    await am1.expireSilence(id);
    const expired = await sWatch.sse.next(
      (m) => m.data.type === 'silence_expired' && (m.data.data as { id: string }).id === id,
      DEADLINE,
    );
    expect(expired.data).toMatchObject({ data: { status: { state: 'expired' } } });
    const unsuppressed = await sWatch.alert('alert_unsuppressed', 'LgSilenced');
    expect(alertData(unsuppressed).status).toEqual({ state: 'active', silencedBy: [], inhibitedBy: [] });
  });

  it('an inhibit rule gives alert_inhibited naming the inhibiting alert', async ({ expect }) => {
    const source = await sWatch.alert('alert_firing', 'LgInhibitSource');
    const inhibited = await sWatch.alert('alert_inhibited', 'LgInhibitTarget');
    expect(alertData(inhibited).status).toEqual({
      state: 'suppressed',
      silencedBy: [],
      inhibitedBy: [alertData(source).fingerprint],
    });
  });

  it('a stopped Alertmanager turns unhealthy in health_changed and /healthz?verbose (not failing /readyz), turns healthy when restarted, and no alert is lost', async ({
    expect,
  }) => {
    await sSingle.alert('alert_firing', 'LgFiring');
    // `pair` watches am2 and am3: the same alerts reach it twice and must appear once, with both origins.
    await waitFor(
      async () => (await amFiring(am2)).size >= STEADY && sameSet(await amFiring(am2), await amFiring(am3)),
      { timeoutMs: DEADLINE, what: 'am2 and am3 to list the same alerts' },
    );
    const pair = await startTestServer({
      stats: { intervalMs: 0 },
      alerts: { ingest: false },
      alertmanagers: [
        { name: 'am3', url: am3.url, intervalMs: 1000 },
        { name: 'am2', url: am2.url, intervalMs: 1000 },
      ],
    });
    const sPair = new Subscriber(pair, 'alerts,health');
    try {
      // pair's first round may publish before the subscription starts: its state comes as snapshot or events.
      await waitFor(async () => sameSet(sPair.firing(), await amFiring(am2)), {
        timeoutMs: DEADLINE,
        what: 'pair to show what am2 lists',
      });
      expect(sPair.latest('LgFiring')?.origins).toEqual(['am2', 'am3']);
      const created: string[] = [];
      for (const { event } of pair.hub.windowEvents()) {
        if (event.type === 'alert_created' && event.labels['run'] === RUN && event.labels['alertname'] !== 'LgPeriodic')
          created.push(event.labels['alertname']!);
      }
      expect(created.sort()).toEqual(
        RULES.filter((r) => r.alert !== 'LgPeriodic')
          .map((r) => r.alert)
          .sort(),
      );

      const isAm3 = (status: string) => (m: SseMessage) =>
        m.data.type === 'health_changed' &&
        healthOf(m).component === 'alertmanager/am3' &&
        healthOf(m).status === status;
      await waitFor(() => sSingle.health('alertmanager/am3') === 'healthy', {
        timeoutMs: DEADLINE,
        what: 'single to report am3 healthy',
      });
      const resolvedBefore = sSingle
        .alertEvents()
        .filter((e) => e.type === 'alert_resolved' && steady(e.data as AlertData)).length;
      const stoppedAt = Date.now();
      await am3.process.stop();
      const down = await sSingle.sse.next(isAm3('unhealthy'), DEADLINE);
      delays['Alertmanager stopped→health_changed unhealthy'] = sSingle.arrivedAt.get(down.id)! - stoppedAt;
      expect(healthOf(down).detail).toMatch(/GET \/api\/v2\/(alerts|silences): .*ECONNREFUSED/);
      // Readiness is the bus only: the outage shows in /readyz's sources and /healthz?verbose, not as 503.
      const stillReady = await fetch(`${single.url}/readyz`);
      expect(stillReady.status).toBe(200);
      expect(((await stillReady.json()) as { sources: { unhealthy: string[] } }).sources.unhealthy).toContain(
        'alertmanager/am3',
      );
      expect(
        (
          (await (await fetch(`${single.url}/healthz?verbose`)).json()) as {
            components: { component: string; status: string }[];
          }
        ).components,
      ).toContainEqual(expect.objectContaining({ component: 'alertmanager/am3', status: 'unhealthy' }));
      await sPair.sse.next(isAm3('unhealthy'), DEADLINE);

      const restartedAt = Date.now();
      await am3.process.start();
      const up = await sSingle.sse.next(
        (m) => isAm3('healthy')(m) && Number(m.data.seq) > Number(down.data.seq),
        DEADLINE,
      );
      delays['Alertmanager restarted (ready)→health_changed healthy'] = sSingle.arrivedAt.get(up.id)! - restartedAt;
      expect(
        ((await (await fetch(`${single.url}/readyz`)).json()) as { sources: { unhealthy: string[] } }).sources
          .unhealthy,
      ).not.toContain('alertmanager/am3');

      // Alertmanager forgets alerts on restart; Prometheus re-sends them within its resend delay.
      await waitFor(async () => (await amFiring(am3)).size >= STEADY, {
        timeoutMs: DEADLINE,
        what: 'am3 to list the re-sent alerts',
      });
      await waitFor(
        async () => sameSet(sSingle.firing(), await amFiring(am3)) && sameSet(sPair.firing(), await amFiring(am3)),
        {
          timeoutMs: DEADLINE,
          what: 'the SSE firing sets of single and pair to equal what am3 lists',
        },
      );
      delays['spurious alert_resolved on single during the restart (count)'] =
        sSingle.alertEvents().filter((e) => e.type === 'alert_resolved' && steady(e.data as AlertData)).length -
        resolvedBefore;
      // am2 kept answering for pair: nothing resolved there at all.
      expect(sPair.alertEvents().filter((e) => e.type === 'alert_resolved' && steady(e.data as AlertData))).toEqual([]);
    } finally {
      sPair.close();
      await pair.close();
    }
  });
});

describe('the rule stops firing', () => {
  it('gives alert_resolved through the watcher, the webhook and the ingest, and the steady alerts stay firing', async () => {
    // The LgPeriodic episode that fired in the previous test stops 5 s after it started.
    const ofPeriodic = (m: SseMessage) =>
      m.data.type === 'alert_resolved' &&
      alertData(m).labels?.['alertname'] === 'LgPeriodic' &&
      alertData(m).labels?.['run'] === RUN;
    const viaIngest = await sIngest.sse.next(ofPeriodic, DEADLINE);
    // The ingest's endsAt is Prometheus's own resolve time: the reference for every path.
    const resolvedAt = Date.parse(alertData(viaIngest).endsAt ?? '');
    const sameEpisode = (m: SseMessage) => ofPeriodic(m) && alertData(m).startsAt === alertData(viaIngest).startsAt;
    const [viaWatch, viaHook] = await Promise.all([
      sWatch.sse.next(sameEpisode, DEADLINE),
      sHook.sse.next(sameEpisode, DEADLINE),
    ]);
    delays['resolve: Prometheus resolve→SSE alert_resolved via watcher'] =
      sWatch.arrivedAt.get(viaWatch.id)! - resolvedAt;
    delays['resolve: Prometheus resolve→SSE alert_resolved via webhook'] =
      sHook.arrivedAt.get(viaHook.id)! - resolvedAt;
    delays['resolve: Prometheus resolve→SSE alert_resolved via ingest'] =
      sIngest.arrivedAt.get(viaIngest.id)! - resolvedAt;
    for (const m of [viaWatch, viaHook, viaIngest]) expect(alertData(m).status.state).toBe('resolved');

    // Every path's firing set equals what am1 lists; no alert was lost anywhere.
    await waitFor(async () => sameSet(sWatch.firing(), await amFiring(am1)), {
      timeoutMs: DEADLINE,
      what: 'watch firing set to equal am1',
    });
    expect(sWatch.firing().size).toBe(STEADY);
    expect(sameSet(sHook.firing(), sWatch.firing())).toBe(true);
    expect(sameSet(sIngest.firing(), sWatch.firing())).toBe(true);
  });
});
