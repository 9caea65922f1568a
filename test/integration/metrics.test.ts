/**
 * `/metrics` as an operator scrapes it: Debian's `promtool check metrics` finds nothing, the standard
 * process and Node.js metrics carry their usual names, `livegate_build_info` names the build, and the
 * alert ingest, the webhook and each watched Alertmanager (one up, one down) are counted.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { startAlertmanager, type Alertmanager } from '../harness/alertmanager.js';
import { startTestServer } from '../harness/livegate.js';
import { hasSample, metricTypes, metricValue, promtoolCheckMetrics } from '../harness/metrics-text.js';
import { freePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';

const ROOT = new URL('../../', import.meta.url);
const VERSION = (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string }).version;

let am: Alertmanager;
let server: LivegateServer;
let startedAt: number;

async function scrape(): Promise<string> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

async function post(path: string, body: unknown): Promise<number> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  am = await startAlertmanager();
  // Nothing listens there: every request to this Alertmanager fails with ECONNREFUSED.
  const downPort = await freePort();
  startedAt = Date.now();
  server = await startTestServer({
    node: { id: NODE_ID },
    stats: { intervalMs: 0 },
    alertmanagers: [
      { name: 'up', url: am.url, intervalMs: 500 },
      { name: 'down', url: `http://127.0.0.1:${downPort}`, intervalMs: 500, timeoutMs: 1000 },
    ],
  });
});
afterAll(async () => {
  await server?.close();
  await am?.stop();
});

const NODE_ID = 'metrics-node-1';

describe('GET /metrics', () => {
  it('counts alert ingest requests, errors by status and the last success', async () => {
    expect(await post('/api/v2/alerts', [{ labels: { alertname: 'MetricsTest' } }])).toBe(200);
    expect(await post('/api/v2/alerts', [{ labels: { alertname: 'MetricsTest' } }])).toBe(200);
    expect(await post('/api/v2/alerts', [{ labels: {} }])).toBe(400);
    const text = await scrape();
    expect(metricValue(text, 'livegate_alert_ingest_requests_total')).toBe(3);
    expect(metricValue(text, 'livegate_alert_ingest_errors_total', { status: '400' })).toBe(1);
    expect(metricValue(text, 'livegate_alert_ingest_errors_total')).toBe(1);
    expect(metricValue(text, 'livegate_alert_ingest_request_duration_seconds_count')).toBe(3);
    const last = metricValue(text, 'livegate_alert_ingest_last_success_timestamp_seconds');
    expect(last * 1000).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(last * 1000).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('counts webhook requests, including those refused', async () => {
    const payload = {
      version: '4',
      status: 'firing',
      receiver: 'livegate',
      groupKey: '{}:{}',
      externalURL: am.url,
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      alerts: [],
    };
    expect(await post('/api/v2/webhooks/alertmanager?alertmanager=up', payload)).toBe(202);
    expect(await post('/api/v2/webhooks/alertmanager?alertmanager=nope', payload)).toBe(404);
    const text = await scrape();
    expect(metricValue(text, 'livegate_alertmanager_webhook_requests_total')).toBe(2);
    expect(metricValue(text, 'livegate_alertmanager_webhook_errors_total', { status: '404' })).toBe(1);
    expect(metricValue(text, 'livegate_alertmanager_webhook_last_success_timestamp_seconds')).toBeGreaterThan(0);
  });

  it('counts requests, errors, last success and round duration per watched Alertmanager', async () => {
    const text = await waitFor(
      async () => {
        const t = await scrape();
        const rounds = (name: string) =>
          metricValue(t, 'livegate_alertmanager_round_duration_seconds_count', { alertmanager: name });
        return rounds('up') >= 2 && rounds('down') >= 2 ? t : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'two watch rounds of each Alertmanager' },
    );
    const up = { alertmanager: 'up' };
    const down = { alertmanager: 'down' };
    // Two requests per round (alerts and silences), counted in the same report as the round.
    const upRounds = metricValue(text, 'livegate_alertmanager_round_duration_seconds_count', up);
    expect(metricValue(text, 'livegate_alertmanager_requests_total', up)).toBe(2 * upRounds);
    expect(metricValue(text, 'livegate_alertmanager_errors_total', up)).toBe(0);
    const upLast = metricValue(text, 'livegate_alertmanager_last_success_timestamp_seconds', up);
    expect(upLast * 1000).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(upLast * 1000).toBeLessThanOrEqual(Date.now() + 1000);
    const downRounds = metricValue(text, 'livegate_alertmanager_round_duration_seconds_count', down);
    expect(metricValue(text, 'livegate_alertmanager_requests_total', down)).toBe(2 * downRounds);
    expect(metricValue(text, 'livegate_alertmanager_errors_total', down)).toBe(2 * downRounds);
    expect(metricValue(text, 'livegate_alertmanager_last_success_timestamp_seconds', down)).toBe(0);
    // The series of a configured Alertmanager exist with a zero value before its first round too.
    expect(hasSample(text, 'livegate_alertmanager_last_success_timestamp_seconds', down)).toBe(true);
  });

  it('names the build and the node in livegate_build_info{version,revision,node,node_id}', async () => {
    const text = await scrape();
    let revision = 'unknown';
    try {
      revision = (JSON.parse(readFileSync(new URL('dist/build-info.json', ROOT), 'utf8')) as { revision: string })
        .revision;
    } catch {
      // Not built: the server reports `unknown` too.
    }
    expect(revision).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(
      metricValue(text, 'livegate_build_info', { version: VERSION, revision, node: process.version, node_id: NODE_ID }),
    ).toBe(1);
  });

  it('has the standard unprefixed process and Node.js metrics and no gauge named _total', async () => {
    const types = metricTypes(await scrape());
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'process_open_fds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(types.has(name), name).toBe(true);
    }
    expect([...types.keys()].filter((name) => /^livegate_(process|nodejs)_/.test(name))).toEqual([]);
    expect([...types].filter(([name, type]) => name.endsWith('_total') && type !== 'counter')).toEqual([]);
  });

  it('passes promtool check metrics without a single finding', async () => {
    const text = await scrape();
    // The families this file exercises are all in the scrape that is linted.
    for (const family of [
      'livegate_build_info',
      'livegate_alert_ingest_requests_total',
      'livegate_alertmanager_webhook_requests_total',
      'livegate_alertmanager_round_duration_seconds',
      'livegate_connections',
      'process_cpu_seconds_total',
    ]) {
      expect(metricTypes(text).has(family), family).toBe(true);
    }
    const { code, output } = await promtoolCheckMetrics(text);
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});
