import { describe, expect, it } from 'vitest';
import { LivegateError } from '../../../../src/errors.js';
import { compileMetricQuery, parseInterval } from '../../../../src/sources/promql/metric-query.js';
import { QueryRunner } from '../../../../src/sources/promql/query-runner.js';
import { runnerKey } from '../../../../src/sources/promql/runner-registry.js';

describe('parseInterval', () => {
  it('defaults to 15 and accepts whole seconds from 5 to 300', () => {
    expect(parseInterval(undefined)).toBe(15);
    expect(parseInterval('')).toBe(15);
    expect(parseInterval('5')).toBe(5);
    expect(parseInterval('300')).toBe(300);
    expect(parseInterval(60)).toBe(60);
  });

  it.each(['4', '301', '1.5', '-5', 'abc', '0x10', '15s', 7.5])('refuses %j with invalid_param on interval', (raw) => {
    let caught: unknown;
    try {
      parseInterval(raw);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LivegateError);
    expect((caught as LivegateError).code).toBe('invalid_param');
    expect((caught as LivegateError).field).toBe('interval');
  });
});

describe('compileMetricQuery', () => {
  it('shares a key between spellings and separates scopes and intervals', () => {
    const scope = { label: 'namespace', namespaces: ['a'] };
    const k = (q: string, i: number, s: typeof scope | null) => runnerKey(compileMetricQuery(q, i, s));
    expect(k('sum(x) by (b,a)', 15, scope)).toBe(k('sum by (a, b) (x)', 15, scope));
    expect(k('x', 15, scope)).not.toBe(k('x', 15, null));
    expect(k('x', 15, scope)).not.toBe(k('x', 30, scope));
  });

  it('keeps the user query and the scoped query apart', () => {
    const spec = compileMetricQuery('rate( x[5m] )', 15, { label: 'namespace', namespaces: ['a'] });
    expect(spec).toEqual({
      normalized: 'rate(x[5m])',
      query: 'rate(x{namespace="a"}[5m])',
      interval: 15,
      scope: 'namespace=a',
    });
  });
});

describe('QueryRunner.untilBoundary', () => {
  it('waits for the next wall-clock multiple of the interval, never zero', () => {
    expect(QueryRunner.untilBoundary(1_700_000_003_000, 5)).toEqual({ at: 1_700_000_005_000, delay: 2000 });
    expect(QueryRunner.untilBoundary(1_700_000_005_000, 5)).toEqual({ at: 1_700_000_010_000, delay: 5000 });
    expect(QueryRunner.untilBoundary(1_700_000_059_999, 60)).toEqual({ at: 1_700_000_100_000, delay: 40_001 });
  });
});
