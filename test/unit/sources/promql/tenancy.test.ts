import { describe, expect, it } from 'vitest';
import { LivegateError } from '../../../../src/errors.js';
import { parsePromql } from '../../../../src/sources/promql/parse.js';
import { printPromql } from '../../../../src/sources/promql/print.js';
import { quoteRegexMeta, scopeKey, scopeQuery, type TenantScope } from '../../../../src/sources/promql/tenancy.js';

const one: TenantScope = { label: 'namespace', namespaces: ['team-a'] };
const two: TenantScope = { label: 'namespace', namespaces: ['team.c', 'team-a'] };
const scoped = (q: string, scope: TenantScope = one) => printPromql(scopeQuery(parsePromql(q), scope));

function refusal(q: string, scope: TenantScope = one): LivegateError {
  try {
    scoped(q, scope);
  } catch (err) {
    if (err instanceof LivegateError) return err;
    throw err;
  }
  throw new Error(`expected ${q} to be refused`);
}

describe('scopeQuery', () => {
  it.each([
    ['up', 'up{namespace="team-a"}'],
    ['rate(x[5m])', 'rate(x{namespace="team-a"}[5m])'],
    ['x or on() vector(1)', 'x{namespace="team-a"} or on () vector(1)'],
    ['max_over_time(rate(x[1m])[10m:30s])', 'max_over_time(rate(x{namespace="team-a"}[1m])[10m:30s])'],
    ['x offset 5m', 'x{namespace="team-a"} offset 5m'],
    ['x @ start()', 'x{namespace="team-a"} @ start()'],
    ['{__name__=~".+"}', '{__name__=~".+", namespace="team-a"}'],
    ['x{namespace=~".*"}', 'x{namespace="team-a", namespace=~".*"}'],
    ['x{namespace!="team-a"}', 'x{namespace!="team-a", namespace="team-a"}'],
    ['x{namespace="team-a"}', 'x{namespace="team-a"}'],
    ['absent(nothing)', 'absent(nothing{namespace="team-a"})'],
    ['count by (namespace) (x)', 'count by (namespace) (x{namespace="team-a"})'],
    [
      'label_replace(x, "dst", "$1", "namespace", "(.*)")',
      'label_replace(x{namespace="team-a"}, "dst", "$1", "namespace", "(.*)")',
    ],
    ['vector(1)', 'vector(1)'],
    ['{"namespace"=~".*", __name__="x"}', '{__name__="x", namespace="team-a", namespace=~".*"}'],
  ])('%j becomes %j', (query, expected) => {
    expect(scoped(query)).toBe(expected);
  });

  it('scopes several namespaces with an escaped, sorted alternation', () => {
    expect(scoped('up', two)).toBe('up{namespace=~"team-a|team\\\\.c"}');
    expect(quoteRegexMeta('a.b*c|d')).toBe('a\\.b\\*c\\|d');
  });

  it('uses the configured tenant label', () => {
    expect(scoped('up', { label: 'tenant', namespaces: ['t1'] })).toBe('up{tenant="t1"}');
  });

  it.each([
    ['x{namespace="team-b"}', 'outside'],
    ['absent(x{namespace="kube-system"})', 'outside'],
    ['x{namespace="team\\x2db"}', 'outside'],
    ['label_replace(x, "namespace", "team-b", "", "")', 'may not write the namespace label'],
    ['label_join(x, "namespace", ",", "job")', 'may not write the namespace label'],
    ['count_values("namespace", x)', 'may not write the namespace label'],
    ['info(x)', 'target_info'],
  ])('refuses %j', (query, problem) => {
    const err = refusal(query);
    expect(err.code).toBe('promql_forbidden');
    expect(err.status).toBe(403);
    expect(err.field).toBe('query');
    expect(err.message).toContain(problem);
  });

  it('refuses every selector when the scope is empty, but allows constant queries', () => {
    const none: TenantScope = { label: 'namespace', namespaces: [] };
    expect(refusal('up', none).message).toContain('no namespace is allowed');
    expect(scoped('vector(1) + time()', none)).toBe('vector(1) + time()');
  });

  it('keys scopes independently of order and duplicates', () => {
    expect(scopeKey(two)).toBe(scopeKey({ label: 'namespace', namespaces: ['team-a', 'team.c', 'team-a'] }));
    expect(scopeKey(null)).toBe('*');
  });
});
