import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FilterError,
  MAX_FILTER_ENTRIES,
  compileFilter,
  intersectFilters,
  type CompiledFilter,
  type FilterField,
  type FilterSpec,
} from '../../../src/core/filter.js';
import { MatcherSyntaxError } from '../../../src/core/matchers.js';
import { TOPIC_RULE } from '@livegate/protocol';

interface TestEvent {
  topic: string;
  type: string;
  source: string;
  labels: Record<string, string>;
}

function event(overrides: Partial<TestEvent> = {}): TestEvent {
  return {
    topic: 'alerts',
    type: 'alert_firing',
    source: 'alertmanager/prod',
    labels: {},
    ...overrides,
  };
}

/** Compiles `spec`, expecting it to fail, and returns the error. */
function filterError(spec: FilterSpec): FilterError {
  try {
    compileFilter(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(FilterError);
    return err as FilterError;
  }
  throw new Error(`expected ${JSON.stringify(spec)} to be rejected`);
}

function intersectError(a: CompiledFilter, b: CompiledFilter): FilterError {
  try {
    intersectFilters(a, b);
  } catch (err) {
    expect(err).toBeInstanceOf(FilterError);
    return err as FilterError;
  }
  throw new Error('expected the intersection to be rejected');
}

describe('compileFilter', () => {
  describe('with nothing restricted', () => {
    it('passes every event when the spec is empty', () => {
      const filter = compileFilter({});
      expect(filter.test(event())).toBe(true);
      expect(filter.test(event({ topic: 'x', type: 'Y', source: 'z', labels: { a: 'b' } }))).toBe(true);
      expect(filter.topics).toBeNull();
      expect(filter.topicPrefixes).toEqual([]);
      expect(filter.coversTopic('anything')).toBe(true);
      expect(filter.matchesLabels({ a: 'b' })).toBe(true);
    });

    it('treats empty lists like absent ones', () => {
      const filter = compileFilter({ topics: [], types: [], sources: [], match: [] });
      expect(filter.test(event())).toBe(true);
      expect(filter.topics).toBeNull();
    });

    it('treats a bare * as every name, even beside exact names', () => {
      const filter = compileFilter({ topics: ['alerts', '*'], types: ['*'], sources: ['*'] });
      expect(filter.topics).toBeNull();
      expect(filter.coversTopic('health')).toBe(true);
      expect(filter.spec.topics).toEqual([]);
      expect(filter.spec.types).toEqual([]);
    });

    it('treats a {} match entry as matching every label set', () => {
      const filter = compileFilter({ match: ['{severity="critical"}', '{}'] });
      expect(filter.matchesLabels({})).toBe(true);
      expect(filter.spec.match).toEqual([]);
    });
  });

  describe('topics', () => {
    it('passes only the listed exact topics', () => {
      const filter = compileFilter({ topics: ['alerts', 'health'] });
      expect(filter.test(event({ topic: 'alerts' }))).toBe(true);
      expect(filter.test(event({ topic: 'health' }))).toBe(true);
      expect(filter.test(event({ topic: 'stats' }))).toBe(false);
      expect(filter.test(event({ topic: 'alerts2' }))).toBe(false);
      expect([...filter.topics!]).toEqual(['alerts', 'health']);
      expect(filter.topicPrefixes).toEqual([]);
    });

    it('passes topics by prefix pattern and exposes the prefix form', () => {
      const filter = compileFilter({ topics: ['console.*'] });
      expect(filter.topics).toEqual(new Set());
      expect(filter.topicPrefixes).toEqual(['console.']);
      expect(filter.coversTopic('console.logs')).toBe(true);
      expect(filter.coversTopic('console.')).toBe(true);
      expect(filter.coversTopic('console')).toBe(false);
      expect(filter.coversTopic('alerts')).toBe(false);
    });

    it('combines exact topics and prefixes', () => {
      const filter = compileFilter({ topics: ['alerts', 'console.*'] });
      expect(filter.coversTopic('alerts')).toBe(true);
      expect(filter.coversTopic('console.x')).toBe(true);
      expect(filter.coversTopic('health')).toBe(false);
    });

    it('drops prefixes already covered by a shorter one', () => {
      const filter = compileFilter({ topics: ['console.logs.*', 'console.*', 'stats*'] });
      expect(filter.topicPrefixes).toEqual(['stats', 'console.']);
      expect(filter.spec.topics).toEqual(['console.logs.*', 'console.*', 'stats*']);
    });

    it('deduplicates entries in the spec, keeping the first order', () => {
      const filter = compileFilter({ topics: ['health', 'alerts', 'health', 'alerts'] });
      expect(filter.spec.topics).toEqual(['health', 'alerts']);
    });
  });

  describe('types and sources', () => {
    it('pass exact types and type prefixes', () => {
      const filter = compileFilter({ types: ['alert_*', 'snapshot'] });
      expect(filter.test(event({ type: 'alert_firing' }))).toBe(true);
      expect(filter.test(event({ type: 'alert_resolved' }))).toBe(true);
      expect(filter.test(event({ type: 'snapshot' }))).toBe(true);
      expect(filter.test(event({ type: 'alert' }))).toBe(false);
      expect(filter.test(event({ type: 'silence_created' }))).toBe(false);
    });

    it('pass exact sources and source prefixes', () => {
      const filter = compileFilter({ sources: ['alertmanager/*', 'api'] });
      expect(filter.test(event({ source: 'alertmanager/prod' }))).toBe(true);
      expect(filter.test(event({ source: 'api' }))).toBe(true);
      expect(filter.test(event({ source: 'alertmanager' }))).toBe(false);
      expect(filter.test(event({ source: 'promql:cpu' }))).toBe(false);
    });

    it('keep the case of types and sources significant', () => {
      const filter = compileFilter({ types: ['AlertFiring'], sources: ['Prod'] });
      expect(filter.test(event({ type: 'AlertFiring', source: 'Prod' }))).toBe(true);
      expect(filter.test(event({ type: 'alertfiring', source: 'Prod' }))).toBe(false);
    });

    it('leave coversTopic to the topic part alone', () => {
      const filter = compileFilter({ types: ['nope'], match: ['a="b"'] });
      expect(filter.coversTopic('alerts')).toBe(true);
      expect(filter.topics).toBeNull();
    });
  });

  describe('match', () => {
    it('ANDs the matchers within one entry', () => {
      const filter = compileFilter({ match: ['{severity="critical",team=~"db|infra"}'] });
      expect(filter.matchesLabels({ severity: 'critical', team: 'db' })).toBe(true);
      expect(filter.matchesLabels({ severity: 'critical', team: 'web' })).toBe(false);
    });

    it('ORs separate entries', () => {
      const filter = compileFilter({ match: ['severity="critical"', 'team="db"'] });
      expect(filter.matchesLabels({ severity: 'critical' })).toBe(true);
      expect(filter.matchesLabels({ team: 'db' })).toBe(true);
      expect(filter.matchesLabels({ severity: 'warning', team: 'web' })).toBe(false);
    });

    it('treats missing labels as empty, as Prometheus does', () => {
      const filter = compileFilter({ match: ['env!="dev"'] });
      expect(filter.test(event())).toBe(true);
      expect(filter.test(event({ labels: { env: 'dev' } }))).toBe(false);
    });

    it('writes entries back in canonical form, deduplicated', () => {
      const filter = compileFilter({
        match: ['severity=critical', '{ severity = "critical" }', "team=~'db'"],
      });
      expect(filter.spec.match).toEqual(['{severity="critical"}', '{team=~"db"}']);
    });
  });

  it('ANDs the four parts together', () => {
    const filter = compileFilter({
      topics: ['alerts'],
      types: ['alert_*'],
      sources: ['alertmanager/*'],
      match: ['severity="critical"'],
    });
    const passing = event({ labels: { severity: 'critical' } });
    expect(filter.test(passing)).toBe(true);
    expect(filter.test({ ...passing, topic: 'health' })).toBe(false);
    expect(filter.test({ ...passing, type: 'snapshot' })).toBe(false);
    expect(filter.test({ ...passing, source: 'api' })).toBe(false);
    expect(filter.test({ ...passing, labels: { severity: 'warning' } })).toBe(false);
  });

  it('returns a frozen spec with every field present', () => {
    const filter = compileFilter({ topics: ['alerts'] });
    expect(filter.spec).toEqual({ topics: ['alerts'], types: [], sources: [], match: [] });
    expect(Object.isFrozen(filter.spec)).toBe(true);
    expect(Object.isFrozen(filter.spec.topics)).toBe(true);
  });

  it('is unaffected by later changes to the spec it was given', () => {
    const topics = ['alerts'];
    const filter = compileFilter({ topics });
    topics.push('health');
    expect(filter.coversTopic('health')).toBe(false);
    expect(filter.spec.topics).toEqual(['alerts']);
  });

  it('recompiles from its own spec into an equivalent filter', () => {
    const filter = compileFilter({
      topics: ['alerts', 'console.*', 'alerts'],
      types: ['*'],
      match: ['severity=critical', 'team=~"db|infra"'],
    });
    const again = compileFilter(filter.spec);
    expect(again.spec).toEqual(filter.spec);
    for (const e of [
      event(),
      event({ topic: 'console.x', labels: { team: 'db' } }),
      event({ labels: { severity: 'critical' } }),
    ]) {
      expect(again.test(e)).toBe(filter.test(e));
    }
  });

  describe('rejects', () => {
    it.each<[FilterField, FilterSpec, number, string]>([
      ['topics', { topics: ['alerts', 'Alerts'] }, 1, `topics[1] "Alerts" is not a valid topic: ${TOPIC_RULE}`],
      ['topics', { topics: [''] }, 0, 'topics[0] "" is not a valid topic'],
      ['topics', { topics: ['a/b'] }, 0, 'topics[0] "a/b" is not a valid topic'],
      ['types', { types: ['ok', 'bad type'] }, 1, 'types[1] "bad type" is not a valid type'],
      ['sources', { sources: ['/root'] }, 0, 'sources[0] "/root" is not a valid source'],
    ])('an invalid exact name in %s, naming index, value and rule', (field, spec, index, message) => {
      const err = filterError(spec);
      expect(err.field).toBe(field);
      expect(err.index).toBe(index);
      expect(err.message).toContain(message);
    });

    it('a star that does not end the entry', () => {
      const err = filterError({ topics: ['con*sole'] });
      expect([err.field, err.index]).toEqual(['topics', 0]);
      expect(err.message).toBe(`topics[0] "con*sole" is not a valid topic: '*' may only end a pattern`);
    });

    it('a pattern with two stars', () => {
      const err = filterError({ types: ['a*b*'] });
      expect(err.message).toBe(`types[0] "a*b*" is not a valid type pattern: '*' may only end it`);
      expect(filterError({ topics: ['**'] }).message).toContain("'*' may only end it");
    });

    it('a pattern whose prefix breaks the charset', () => {
      const err = filterError({ topics: ['alerts', 'Console.*'] });
      expect([err.field, err.index]).toEqual(['topics', 1]);
      expect(err.message).toBe(
        `topics[1] "Console.*" is not a valid topic pattern: the part before '*' must be ${TOPIC_RULE}`,
      );
      expect(filterError({ sources: ['-x*'] }).message).toContain('not a valid source pattern');
    });

    it('a bad entry even after a bare *', () => {
      expect(filterError({ topics: ['*', 'BAD'] }).index).toBe(1);
    });

    it('an entry that is not a string', () => {
      const err = filterError({ sources: ['api', 7 as unknown as string] });
      expect([err.field, err.index]).toEqual(['sources', 1]);
      expect(err.message).toBe('sources[1] must be a string, got number');
    });

    it('a list that is not an array', () => {
      const err = filterError({ topics: 'alerts' as unknown as string[] });
      expect([err.field, err.index]).toEqual(['topics', -1]);
      expect(err.message).toBe('topics must be an array of strings, got string');
      expect(filterError({ match: null as unknown as string[] }).message).toBe(
        'match must be an array of strings, got null',
      );
    });

    it(`a list of more than ${MAX_FILTER_ENTRIES} entries`, () => {
      const err = filterError({ types: Array.from({ length: 65 }, (_, i) => `t${i}`) });
      expect([err.field, err.index]).toEqual(['types', MAX_FILTER_ENTRIES]);
      expect(err.message).toBe('types has 65 entries; max 64');
    });

    it(`accepts exactly ${MAX_FILTER_ENTRIES} entries`, () => {
      const topics = Array.from({ length: MAX_FILTER_ENTRIES }, (_, i) => `t${i}`);
      expect(compileFilter({ topics }).topics!.size).toBe(MAX_FILTER_ENTRIES);
    });

    it('a match entry that does not parse, keeping the syntax error as cause', () => {
      const err = filterError({ match: ['{severity="critical"}', '{team=~"("}'] });
      expect([err.field, err.index]).toEqual(['match', 1]);
      expect(err.message).toMatch(
        /^match\[1\] is not a valid matcher set: invalid regular expression "\(" for label "team": /,
      );
      expect(err.cause).toBeInstanceOf(MatcherSyntaxError);
      expect((err.cause as MatcherSyntaxError).position).toBe(7);
    });

    it('a match entry with a syntax error, quoting the parser message', () => {
      const err = filterError({ match: ['team "db"'] });
      expect(err.message).toContain(`expected '=', '!=', '=~' or '!~' after label name "team" at position 5`);
    });

    it('a match entry that is not a string', () => {
      const err = filterError({ match: [{} as unknown as string] });
      expect([err.field, err.index]).toEqual(['match', 0]);
      expect(err.message).toBe('match[0] must be a string, got object');
    });

    it('keeps a huge bad value short in the message', () => {
      const err = filterError({ sources: ['x'.repeat(10_000)] });
      expect(err.message.length).toBeLessThan(300);
    });

    it('a spec that is not an object, with a TypeError', () => {
      expect(() => compileFilter(null as unknown as FilterSpec)).toThrow(TypeError);
    });
  });

  it('throws errors that are Errors named FilterError', () => {
    const err = filterError({ topics: ['X'] });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('FilterError');
  });
});

describe('intersectFilters', () => {
  it('returns the other side when one side restricts nothing', () => {
    const forced = compileFilter({ topics: ['alerts'], match: ['team="db"'] });
    const result = intersectFilters(compileFilter({}), forced);
    expect(result.spec).toEqual(forced.spec);
    expect([...result.topics!]).toEqual(['alerts']);
    expect(intersectFilters(forced, compileFilter({})).spec).toEqual(forced.spec);
  });

  it('intersects exact topic sets', () => {
    const result = intersectFilters(
      compileFilter({ topics: ['alerts', 'health', 'stats'] }),
      compileFilter({ topics: ['health', 'alerts', 'silences'] }),
    );
    expect([...result.topics!].sort()).toEqual(['alerts', 'health']);
    expect(result.coversTopic('stats')).toBe(false);
    expect(result.coversTopic('silences')).toBe(false);
  });

  it('keeps exact topics that a prefix on the other side covers', () => {
    const result = intersectFilters(
      compileFilter({ topics: ['console.logs', 'alerts'] }),
      compileFilter({ topics: ['console.*'] }),
    );
    expect([...result.topics!]).toEqual(['console.logs']);
    expect(result.topicPrefixes).toEqual([]);
    expect(result.spec.topics).toEqual(['console.logs']);
  });

  it('narrows overlapping prefixes to the longer one', () => {
    const result = intersectFilters(
      compileFilter({ topics: ['console.*'] }),
      compileFilter({ topics: ['console.team_a.*', 'stats*'] }),
    );
    expect(result.topicPrefixes).toEqual(['console.team_a.']);
    expect(result.coversTopic('console.team_a.logs')).toBe(true);
    expect(result.coversTopic('console.team_b.logs')).toBe(false);
    expect(result.spec.topics).toEqual(['console.team_a.*']);
  });

  it('narrows overlapping prefixes whichever side holds the longer one', () => {
    const result = intersectFilters(
      compileFilter({ topics: ['console.team_a.*'] }),
      compileFilter({ topics: ['console.*'] }),
    );
    expect(result.topicPrefixes).toEqual(['console.team_a.']);
    expect(result.coversTopic('console.team_b.logs')).toBe(false);
  });

  it('refuses topics with nothing in common, since nothing could ever arrive', () => {
    const err = intersectError(
      compileFilter({ topics: ['alerts'] }),
      compileFilter({ topics: ['health', 'console.*'] }),
    );
    expect([err.field, err.index]).toEqual(['topics', -1]);
    expect(err.message).toBe('no topic passes both topics ["alerts"] and the enforced topics ["health","console.*"]');
  });

  it('refuses types and sources with nothing in common', () => {
    expect(intersectError(compileFilter({ types: ['a_*'] }), compileFilter({ types: ['b_*'] })).field).toBe('types');
    expect(intersectError(compileFilter({ sources: ['api'] }), compileFilter({ sources: ['x/*'] })).field).toBe(
      'sources',
    );
  });

  it('requires the forced label matchers to hold as well', () => {
    const result = intersectFilters(
      compileFilter({ match: ['severity="critical"'] }),
      compileFilter({ match: ['team="db"'] }),
    );
    expect(result.matchesLabels({ severity: 'critical', team: 'db' })).toBe(true);
    expect(result.matchesLabels({ severity: 'critical', team: 'web' })).toBe(false);
    expect(result.matchesLabels({ team: 'db' })).toBe(false);
    expect(result.spec.match).toEqual(['{severity="critical",team="db"}']);
  });

  it('lets any one of several forced matcher sets hold, as in the forced filter itself', () => {
    const result = intersectFilters(
      compileFilter({ match: ['severity="critical"', 'severity="warning"'] }),
      compileFilter({ match: ['team="db"', 'team="infra"'] }),
    );
    expect(result.matchesLabels({ severity: 'warning', team: 'infra' })).toBe(true);
    expect(result.matchesLabels({ severity: 'warning', team: 'web' })).toBe(false);
    expect(result.matchesLabels({ severity: 'info', team: 'db' })).toBe(false);
    expect(result.spec.match).toEqual([
      '{severity="critical",team="db"}',
      '{severity="critical",team="infra"}',
      '{severity="warning",team="db"}',
      '{severity="warning",team="infra"}',
    ]);
  });

  it('does not repeat a matcher both sides share in the spec', () => {
    const result = intersectFilters(
      compileFilter({ match: ['{team="db",env="prod"}'] }),
      compileFilter({ match: ['team="db"'] }),
    );
    expect(result.spec.match).toEqual(['{team="db",env="prod"}']);
  });

  it('stacks: a filter intersected twice keeps every restriction', () => {
    const result = intersectFilters(
      intersectFilters(compileFilter({ topics: ['alerts'] }), compileFilter({ match: ['a="1"'] })),
      compileFilter({ match: ['b="2"'], types: ['alert_*'] }),
    );
    expect(result.test(event({ labels: { a: '1', b: '2' } }))).toBe(true);
    expect(result.test(event({ labels: { a: '1' } }))).toBe(false);
    expect(result.test(event({ type: 'snapshot', labels: { a: '1', b: '2' } }))).toBe(false);
    expect(result.spec).toEqual({
      topics: ['alerts'],
      types: ['alert_*'],
      sources: [],
      match: ['{a="1",b="2"}'],
    });
  });

  it('refuses filters it did not compile', () => {
    const fake: CompiledFilter = {
      spec: { topics: [], types: [], sources: [], match: [] },
      topics: null,
      topicPrefixes: [],
      test: () => true,
      matchesLabels: () => true,
      coversTopic: () => true,
      cost: 0,
      regexCosts: new Map(),
      decidedBy: () => false,
    };
    expect(() => intersectFilters(fake, compileFilter({}))).toThrow(TypeError);
  });

  it('passes exactly the events both filters pass', () => {
    const topic = fc.constantFrom('alerts', 'health', 'console.a', 'console.b.c', 'stats');
    const topicEntry = fc.constantFrom('alerts', 'health', 'console.*', 'console.b.*', 'stat*', '*');
    const type = fc.constantFrom('alert_firing', 'alert_resolved', 'snapshot');
    const typeEntry = fc.constantFrom('alert_*', 'snapshot', 'alert_firing', '*');
    const labelValue = fc.constantFrom('x', 'y');
    const matchEntry = fc.constantFrom('a="x"', 'b!="y"', '{a=~"x|y",b="x"}', '{}');
    const spec = fc.record(
      {
        topics: fc.array(topicEntry, { maxLength: 3 }),
        types: fc.array(typeEntry, { maxLength: 2 }),
        match: fc.array(matchEntry, { maxLength: 2 }),
      },
      { requiredKeys: [] },
    );
    const events = fc.array(
      fc.record({
        topic,
        type,
        source: fc.constant('api'),
        labels: fc.record({ a: labelValue, b: labelValue }, { requiredKeys: [] }),
      }),
      { minLength: 1, maxLength: 10 },
    );
    fc.assert(
      fc.property(spec, spec, events, (specA, specB, sample) => {
        const a = compileFilter(specA);
        const b = compileFilter(specB);
        let both: CompiledFilter;
        try {
          both = intersectFilters(a, b);
        } catch (err) {
          expect(err).toBeInstanceOf(FilterError);
          // Refused only when no event can pass both.
          for (const e of sample) expect(a.test(e) && b.test(e)).toBe(false);
          return;
        }
        for (const e of sample) {
          expect(both.test(e)).toBe(a.test(e) && b.test(e));
          expect(both.coversTopic(e.topic)).toBe(a.coversTopic(e.topic) && b.coversTopic(e.topic));
        }
        // The written-back spec describes the same filter.
        const again = compileFilter(both.spec);
        for (const e of sample) expect(again.test(e)).toBe(both.test(e));
      }),
      { numRuns: 500 },
    );
  });
});
