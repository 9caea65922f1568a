/**
 * The tenancy escape corpus against a real Prometheus: each attempt is either refused (403) or
 * scoped, and for the scoped ones Prometheus' own answer is checked to hold only the tenant's series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivegateError } from '../../src/errors.js';
import { compileMetricQuery } from '../../src/sources/promql/metric-query.js';
import { PrometheusClient } from '../../src/sources/promql/prometheus-client.js';
import type { TenantScope } from '../../src/sources/promql/tenancy.js';
import { startPrometheus, waitFor, type Prometheus } from '../harness/index.js';

/** `team.c` checks regex escaping: it must not match `teamxc`. */
const NAMESPACES = ['team-a', 'team-b', 'team.c', 'teamxc', 'kube-system'];
const SCOPE: TenantScope = { label: 'namespace', namespaces: ['team-a', 'team.c'] };

const rules = NAMESPACES.map(
  (ns) => `- record: lg_tenant_requests
  expr: sum by (handler) (prometheus_http_requests_total)
  labels: { namespace: ${JSON.stringify(ns)} }`,
).join('\n');

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

let prom: Prometheus;
let client: PrometheusClient;

beforeAll(async () => {
  prom = await startPrometheus({ rulesYaml: rules });
  client = new PrometheusClient({ url: prom.url });
  await waitFor(
    async () => {
      const data = await prom.query('count(count by (namespace) (lg_tenant_requests))');
      return (data.result as Sample[])[0]?.value[1] === String(NAMESPACES.length);
    },
    { timeoutMs: 20_000, what: 'recording rules to produce series in every namespace' },
  );
  // Subqueries, offsets and rates need a few evaluations of history.
  await waitFor(
    async () => ((await prom.query('count(rate(lg_tenant_requests[1m] offset 2s))')).result as Sample[]).length > 0,
    { timeoutMs: 20_000, what: 'enough history for rate() with an offset' },
  );
});

afterAll(async () => {
  client?.close();
  await prom?.stop();
});

async function runScoped(query: string): Promise<Sample[]> {
  const spec = compileMetricQuery(query, 15, SCOPE);
  const answer = await client.query(spec.query, Date.now() / 1000);
  expect(answer.resultType).toBe('vector');
  return answer.result as Sample[];
}

/** Every series in the answer is in scope or carries no tenant label at all. */
function expectInScope(samples: Sample[]): Set<string | undefined> {
  const seen = new Set(samples.map((s) => s.metric.namespace));
  for (const ns of seen) if (ns !== undefined) expect(SCOPE.namespaces).toContain(ns);
  return seen;
}

describe('tenancy escape corpus', () => {
  it.each([
    ['lg_tenant_requests or on() vector(1)'],
    ['max_over_time(lg_tenant_requests[1m:1s])'],
    ['lg_tenant_requests offset 1s'],
    ['lg_tenant_requests @ end()'],
    ['{__name__=~".+"}'],
    ['lg_tenant_requests{namespace=~".*"}'],
    ['{"namespace"=~".*", __name__="lg_tenant_requests"}'],
    ['count by (namespace) (lg_tenant_requests)'],
    ['sum by (namespace) (rate(lg_tenant_requests[1m]))'],
    ['lg_tenant_requests # } or {namespace="team-b"}\n'],
    [
      'sum by (handler) (lg_tenant_requests) * on (handler) group_left (namespace) lg_tenant_requests{namespace="team-a"}',
    ],
  ])('scopes %j: Prometheus answers only team-a and team.c', async (query) => {
    const seen = expectInScope(await runScoped(query));
    expect(seen.has('team-a')).toBe(true);
  });

  it('intersects a user matcher on the tenant label instead of trusting it', async () => {
    const seen = expectInScope(await runScoped('lg_tenant_requests{namespace!="team-a"}'));
    expect([...seen]).toEqual(['team.c']);
  });

  it('gives count by (namespace) exactly the scoped namespaces, where unscoped it sees all', async () => {
    const all = await client.query('count by (namespace) (lg_tenant_requests)', Date.now() / 1000);
    expect((all.result as Sample[]).map((s) => s.metric.namespace).sort()).toEqual([...NAMESPACES].sort());
    const scoped = await runScoped('count by (namespace) (lg_tenant_requests)');
    expect(scoped.map((s) => s.metric.namespace).sort()).toEqual(['team-a', 'team.c']);
  });

  it('escapes regex characters in namespaces: team.c does not match teamxc', async () => {
    const spec = compileMetricQuery('count by (namespace) (lg_tenant_requests)', 15, {
      label: 'namespace',
      namespaces: ['team.c', 'kube-system'],
    });
    const answer = await client.query(spec.query, Date.now() / 1000);
    expect((answer.result as Sample[]).map((s) => s.metric.namespace).sort()).toEqual(['kube-system', 'team.c']);
  });

  it('absent() of a missing series only answers about the scope', async () => {
    const samples = await runScoped('absent(lg_no_such_metric)');
    expect(samples).toHaveLength(1);
    expectInScope(samples);
    expect(await runScoped('absent(lg_tenant_requests)')).toEqual([]);
  });

  it.each([
    ['label_replace(lg_tenant_requests, "namespace", "team-b", "", "")'],
    ['label_join(lg_tenant_requests, "namespace", ",", "handler")'],
    ['count_values("namespace", lg_tenant_requests)'],
    ['lg_tenant_requests{namespace="team-b"}'],
    ['absent(lg_tenant_requests{namespace="kube-system"})'],
    ['lg_tenant_requests or lg_tenant_requests{namespace="team\\x2db"}'],
    ['info(lg_tenant_requests)'],
  ])('refuses %j with 403', (query) => {
    let caught: unknown;
    try {
      compileMetricQuery(query, 15, SCOPE);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LivegateError);
    expect((caught as LivegateError).status).toBe(403);
    expect((caught as LivegateError).code).toBe('promql_forbidden');
  });
});
