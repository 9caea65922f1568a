#!/usr/bin/env node
// Cost of checking Alertmanager answers: parses a synthetic 10,000-alert `GET /api/v2/alerts`
// answer (shaped like Alertmanager 0.25's, ~6 labels, offsets in some times) with
// `parseGettableAlerts`, a 1,000-alert webhook body with `parseWebhookPayload` and a 10,000-alert
// `POST /api/v2/alerts` body with `parsePostableAlerts`, from the built
// dist. Prints the median and best of several runs, as CPU time of the process (the machine may be
// shared) and wall time; JSON.parse is timed apart (it is paid either way).
// Usage: `npm run build && node bench/parse-answers.mjs [--alerts 10000] [--runs 15] [--dist <other build>]`.
import console from 'node:console';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { pathToFileURL, URL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '15' },
    // Another build to compare with, e.g. one compiled from an older commit.
    dist: { type: 'string', default: new URL('../dist', import.meta.url).pathname },
  },
});
const count = Number(values.alerts);
const runs = Number(values.runs);

const dist = pathToFileURL(`${path.resolve(values.dist)}/`);
const { parseGettableAlerts } = await import(new URL('src/sources/alertmanager/api-types.js', dist).href);
const { parseWebhookPayload } = await import(new URL('src/sources/alertmanager/webhook-payload.js', dist).href);
const { parsePostableAlerts } = await import(new URL('src/sources/alerts/postable-alerts.js', dist).href);

const states = ['active', 'suppressed', 'unprocessed'];
const alerts = Array.from({ length: count }, (_, i) => ({
  annotations: { summary: `Disk of db-${i} almost full`, description: `${i % 100}% used` },
  endsAt: i % 7 === 0 ? '2099-01-01T00:00:00.000+02:00' : '2026-11-23T08:42:23.806Z',
  fingerprint: (0x1000000000000000n + BigInt(i)).toString(16),
  receivers: [{ name: 'web' }],
  startsAt: '2026-11-23T08:37:23.806123456Z',
  status: {
    inhibitedBy: i % 5 === 0 ? ['8c77d5865e910658'] : [],
    silencedBy: i % 11 === 0 ? ['fe9a0132-b42b-4b3c-bd2d-4af32b816a8a'] : [],
    state: states[i % 3],
  },
  updatedAt: '2026-11-23T08:37:23.806Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=disk_used%3E0.9',
  labels: {
    alertname: `Alert${i % 50}`,
    instance: `db-${i}:9100`,
    job: 'node',
    severity: i % 2 === 0 ? 'critical' : 'warning',
    team: `t${i % 9}`,
    cluster: 'eu-1',
  },
}));
const alertsText = JSON.stringify(alerts);
const webhookText = JSON.stringify({
  version: '4',
  groupKey: '{}:{alertname="Hook"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'web',
  groupLabels: { alertname: 'Hook' },
  commonLabels: { alertname: 'Hook' },
  commonAnnotations: {},
  externalURL: 'http://am:9093',
  alerts: alerts.slice(0, 1000).map((a) => ({
    status: 'firing',
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: a.generatorURL,
    fingerprint: a.fingerprint,
  })),
});

// What Prometheus posts to `POST /api/v2/alerts`.
const postableText = JSON.stringify(
  alerts.map((a) => ({
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    generatorURL: a.generatorURL,
  })),
);

function measure(name, text, parse) {
  const times = [];
  const cpuTimes = [];
  const jsonTimes = [];
  for (let i = 0; i < runs + 3; i++) {
    const t0 = performance.now();
    const json = JSON.parse(text);
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const result = parse(json);
    const cpu = process.cpuUsage(c1);
    const t2 = performance.now();
    if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.error)}`);
    if (i >= 3) {
      jsonTimes.push(t1 - t0);
      times.push(t2 - t1);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `${name}: check CPU median ${median(cpuTimes).toFixed(1)} ms, best ${Math.min(...cpuTimes).toFixed(1)} ms; ` +
      `wall median ${median(times).toFixed(1)} ms ` +
      `(JSON.parse median ${median(jsonTimes).toFixed(2)} ms, ${(text.length / 1e6).toFixed(1)} MB)`,
  );
}

measure(`parseGettableAlerts, ${count} alerts`, alertsText, parseGettableAlerts);
measure('parseWebhookPayload, 1000 alerts', webhookText, parseWebhookPayload);
measure(`parsePostableAlerts, ${count} alerts`, postableText, parsePostableAlerts);
