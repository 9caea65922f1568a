/**
 * A token's `namespaces` claim scopes its PromQL metric streams (the same principal as every other
 * stream): against a real Prometheus, a team-a token sees only team-a series, asking for team-b is
 * refused, and a token without namespaces may read no series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../../src/http/server.js';
import { startPrometheus, waitFor, type Prometheus } from '../../harness/index.js';
import { startTestServer } from '../../harness/livegate.js';
import { RawSse } from '../../harness/raw-sse.js';
import { signHs256, TEST_SECRET } from '../../harness/tokens.js';

const rules = ['team-a', 'team-b']
  .map(
    (ns) => `- record: lg_auth_requests
  expr: sum(prometheus_http_requests_total)
  labels: { namespace: ${JSON.stringify(ns)} }`,
  )
  .join('\n');

describe('metric streams scoped by the token namespaces claim', () => {
  let prom: Prometheus;
  let server: LivegateServer;
  const token = (namespaces?: string[]) =>
    signHs256(TEST_SECRET, {
      sub: 'alice',
      claims: { livegate: namespaces === undefined ? {} : { namespaces } },
    });
  const streamUrl = (query: string, access: string) =>
    `${server.url}/api/v1/metrics/stream?${new URLSearchParams({ query, interval: '5', access_token: access })}`;

  beforeAll(async () => {
    prom = await startPrometheus({ rulesYaml: rules });
    await waitFor(async () => ((await prom.query('count(lg_auth_requests)')).result as unknown[]).length > 0, {
      timeoutMs: 30_000,
      what: 'recording rules to produce series',
    });
    server = await startTestServer({
      auth: { mode: 'jwt', jwt: { secret: TEST_SECRET } },
      prometheus: { url: prom.url },
      stats: { intervalMs: 0 },
    });
  });
  afterAll(async () => {
    await server?.close();
    await prom?.stop();
  });

  it('shows a team-a token only team-a series, even for a query that names no namespace', async () => {
    const sse = await RawSse.open(streamUrl('count by (namespace) (lg_auth_requests)', await token(['team-a'])));
    try {
      await waitFor(() => sse.text.includes('team-a'), { timeoutMs: 20_000, intervalMs: 20, what: 'a team-a sample' });
      expect(sse.text).not.toContain('team-b');
    } finally {
      sse.close();
    }
  });

  it('refuses a query for another namespace with 403 promql_forbidden', async () => {
    const res = await fetch(streamUrl('lg_auth_requests{namespace="team-b"}', await token(['team-a'])));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('promql_forbidden');
  });

  it('lets a token without namespaces read no series', async () => {
    const res = await fetch(streamUrl('lg_auth_requests', await token()));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('promql_forbidden');
  });

  it('refuses a reader without a token', async () => {
    const res = await fetch(`${server.url}/api/v1/metrics/stream?query=up&interval=5`);
    expect(res.status).toBe(401);
  });
});
