import { describe, expect, it } from 'vitest';
import { parsePromql, PromqlSyntaxError } from '../../../../src/sources/promql/parse.js';
import { printPromql } from '../../../../src/sources/promql/print.js';

const norm = (q: string) => printPromql(parsePromql(q));

function syntaxError(q: string): PromqlSyntaxError {
  try {
    parsePromql(q);
  } catch (err) {
    if (err instanceof PromqlSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${q} to be refused`);
}

describe('normalized PromQL', () => {
  it.each([
    ['up', 'up'],
    ['  up  ', 'up'],
    ['up{b="1",a="2"}', 'up{a="2", b="1"}'],
    ["up{ a = '2' , b=`1` }", 'up{a="2", b="1"}'],
    ['rate(prometheus_http_requests_total[1m])', 'rate(prometheus_http_requests_total[1m])'],
    ['rate( prometheus_http_requests_total [ 1m ] )', 'rate(prometheus_http_requests_total[1m])'],
    ['SUM BY (job, instance) (rate(x[5m]))', 'sum by (instance, job) (rate(x[5m]))'],
    ['sum(rate(x[5m])) by (job)', 'sum by (job) (rate(x[5m]))'],
    ['a+b*c', 'a + (b * c)'],
    ['a + (b * c)', 'a + (b * c)'],
    ['(a + b) * c', '(a + b) * c'],
    ['((up))', 'up'],
    ['a > bool on(y,x) group_left(z) b', 'a > bool on (x, y) group_left (z) b'],
    ['a OR ON() vector(1)', 'a or on () vector(1)'],
    ['up offset 5m', 'up offset 5m'],
    ['up offset -5m', 'up offset -5m'],
    ['a + b offset 5m', 'a + b offset 5m'],
    ['-a offset 1m', '-a offset 1m'],
    ['up @ start()', 'up @ start()'],
    ['up @ 1700000000 offset 5m', 'up @ 1700000000 offset 5m'],
    ['rate(up[5m] offset 1m)', 'rate(up[5m] offset 1m)'],
    ['max_over_time(rate(x[1m])[10m:30s])', 'max_over_time(rate(x[1m])[10m:30s])'],
    ['(a + b)[5m:]', '(a + b)[5m:]'],
    ['{__name__=~".+"}', '{__name__=~".+"}'],
    ['{"up"}', '{__name__="up"}'],
    ['up{"weird.label"="x"}', 'up{"weird.label"="x"}'],
    ['topk(5, up)', 'topk(5, up)'],
    ['-2 ^ 2', '-2 ^ 2'],
    ['"text"', '"text"'],
    ['up # a comment\n', 'up'],
    ['up{a="\\x41\\101\\u0041"}', 'up{a="AAA"}'],
    ['up{a="line\\nbreak \\"q\\""}', 'up{a="line\\nbreak \\"q\\""}'],
  ])('%j prints as %j', (query, expected) => {
    expect(norm(query)).toBe(expected);
  });

  it('gives the same text for the same query written differently', () => {
    const variants = [
      'sum by (job) (rate(prometheus_http_requests_total{code="200",handler="/metrics"}[1m]))',
      'sum(rate(prometheus_http_requests_total{handler="/metrics", code="200"}[1m])) by (job)',
      "sum   by(job)(rate(prometheus_http_requests_total{handler='/metrics',code='200'}[1m]))",
    ];
    expect(new Set(variants.map(norm)).size).toBe(1);
  });

  it('prints text that parses back to the same text', () => {
    for (const q of [
      'a + b * c - d / e',
      'sum by (x) (a) / on (x) group_left () b',
      'up{a=~"x|y", b!~"z"} offset 1h',
    ]) {
      expect(norm(norm(q))).toBe(norm(q));
    }
  });
});

describe('invalid PromQL', () => {
  it('names the position of a syntax error', () => {
    const err = syntaxError('sum(rate(up[5m])');
    expect(err.code).toBe('invalid_promql');
    expect(err.field).toBe('query');
    expect(err.position).toBe(16);
    expect(err.message).toMatch(/position 16 \(line 1, column 17\)/);
  });

  it('reports an unexpected token with its text', () => {
    const err = syntaxError('up{job="x"} bogus');
    expect(err.position).toBe(12);
    expect(err.message).toContain('"bogus"');
  });

  it.each([
    ['', 'query is empty'],
    ['up{a="b', 'unexpected end of query'],
    ['up{a="\\q"}', 'unknown escape'],
    ['up{a="\\xff"}', 'not valid UTF-8'],
    ['(up)[5m]', 'only allowed on a vector selector'],
    ['rate(up)[5m]', 'only allowed on a vector selector'],
    ['(up) offset 5m', 'offset is only allowed'],
    ['sum(up) @ 100', '@ is only allowed'],
    ['up offset 5m offset 1m', 'may not be set more than once'],
  ])('refuses %j (%s)', (query, problem) => {
    expect(syntaxError(query).message).toContain(problem);
  });

  it('refuses a query longer than 1,000 characters and accepts one of exactly 1,000', () => {
    const atLimit = `up{a="${'x'.repeat(1000 - 'up{a=""}'.length)}"}`;
    expect(atLimit).toHaveLength(1000);
    expect(() => parsePromql(atLimit)).not.toThrow();
    expect(syntaxError(`${atLimit} `).message).toContain('longer than 1000 characters');
  });
});
