import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../../src/core/dispatcher.js';
import type { LiveEvent } from '../../../src/core/event.js';
import { compileFilter, type FilterSpec } from '../../../src/core/filter.js';
import { SerializedEvent } from '../../../src/core/serialized-event.js';
import type { DeliveryTarget, Session } from '../../../src/core/session.js';
import { Subscription } from '../../../src/core/subscription.js';

/** A session stand-in that records what the dispatcher enqueues (the unit under test is the dispatcher). */
function recordingSession(log: string[]): Session {
  return { enqueue: (target: DeliveryTarget) => log.push(target.sub.id) } as unknown as Session;
}

function event(seq: number, topic: string, labels: Record<string, string>, type = 't'): SerializedEvent {
  const e: LiveEvent = { id: `e-${seq}`, seq, topic, type, source: 'src', time: '', labels, data: null };
  return new SerializedEvent(e, 0);
}

describe('Dispatcher', () => {
  it('delivers to subscriptions of the event topic and to any-topic subscriptions only', () => {
    const log: string[] = [];
    const d = new Dispatcher();
    const session = recordingSession(log);
    d.add(session, new Subscription('a', compileFilter({ topics: ['alerts'] }), null));
    d.add(session, new Subscription('b', compileFilter({ topics: ['other'] }), null));
    d.add(session, new Subscription('c', compileFilter({}), null));
    d.add(session, new Subscription('d', compileFilter({ topics: ['al*'] }), null));
    d.dispatch(event(1, 'alerts', {}));
    expect(log.sort()).toEqual(['a', 'c', 'd']);
  });

  it('indexes equality matchers by label value and still applies the whole filter', () => {
    const log: string[] = [];
    const d = new Dispatcher();
    const session = recordingSession(log);
    d.add(
      session,
      new Subscription('s7', compileFilter({ topics: ['bench'], match: ['{shard="s7",env!="dev"}'] }), null),
    );
    d.add(session, new Subscription('s8', compileFilter({ topics: ['bench'], match: ['{shard="s8"}'] }), null));
    d.dispatch(event(1, 'bench', { shard: 's7', env: 'prod' }));
    d.dispatch(event(2, 'bench', { shard: 's7', env: 'dev' }));
    d.dispatch(event(3, 'bench', {}));
    expect(log).toEqual(['s7']);
  });

  it('is idempotent on add and remove, and removal stops deliveries', () => {
    const log: string[] = [];
    const d = new Dispatcher();
    const session = recordingSession(log);
    const sub = new Subscription('x', compileFilter({ topics: ['t'], match: ['{k="v"}'] }), null);
    d.add(session, sub);
    d.add(session, sub);
    expect(d.size).toBe(1);
    d.dispatch(event(1, 't', { k: 'v' }));
    d.remove(sub);
    d.remove(sub);
    expect(d.size).toBe(0);
    d.dispatch(event(2, 't', { k: 'v' }));
    expect(log).toEqual(['x']);
  });

  it('skips subscriptions that are still catching up from the replay window', () => {
    const log: string[] = [];
    const d = new Dispatcher();
    const sub = new Subscription('x', compileFilter({ topics: ['t'] }), null);
    sub.mode = 'catchup';
    d.add(recordingSession(log), sub);
    d.dispatch(event(1, 't', {}));
    expect(log).toEqual([]);
  });

  it('delivers to a caught-up subscription from the moment it is marked live, in every bucket it sits in', () => {
    const log: string[] = [];
    const d = new Dispatcher();
    const session = recordingSession(log);
    const indexed = new Subscription('indexed', compileFilter({ topics: ['t', 'u'], match: ['{k="v"}'] }), null);
    const prefixed = new Subscription('prefixed', compileFilter({ topics: ['t*'] }), null);
    for (const sub of [indexed, prefixed]) {
      sub.mode = 'catchup';
      d.add(session, sub);
    }
    d.dispatch(event(1, 't', { k: 'v' }));
    d.dispatch(event(2, 'u', { k: 'v' }));
    expect(log).toEqual([]);
    for (const sub of [indexed, prefixed]) {
      sub.mode = 'live';
      d.live(sub);
    }
    d.dispatch(event(3, 't', { k: 'v' }));
    d.dispatch(event(4, 'u', { k: 'v' }));
    expect(log).toEqual(['indexed', 'prefixed', 'indexed']);
    d.live(new Subscription('unknown', compileFilter({}), null)); // not registered: nothing happens
  });

  it('delivers exactly to the subscriptions whose filter passes, for any filters and events (property)', () => {
    const topic = fc.constantFrom('a', 'b', 'c');
    const value = fc.constantFrom('x', 'y', 'z', '');
    const matcherSet = fc
      .array(
        fc.tuple(
          fc.constantFrom('k', 'm'),
          fc.constantFrom('=', '!=', '=~', '!~'),
          fc.constantFrom('x', 'y', '', 'x|y'),
        ),
        { maxLength: 2 },
      )
      .map((ms) => `{${ms.map(([n, op, v]) => `${n}${op}${JSON.stringify(v)}`).join(',')}}`);
    // Types and sources too: a filter the topic and label index decide alone skips its test.
    const spec: fc.Arbitrary<FilterSpec> = fc.record({
      topics: fc.array(fc.constantFrom('a', 'b', 'c', 'a*'), { maxLength: 2 }),
      types: fc.array(fc.constantFrom('t', 'u', 't*'), { maxLength: 1 }),
      sources: fc.array(fc.constantFrom('src', 'other'), { maxLength: 1 }),
      match: fc.array(matcherSet, { maxLength: 2 }),
    });
    const labels = fc
      .record({ k: value, m: value })
      .map((l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== '')));
    fc.assert(
      fc.property(
        fc.array(spec, { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(topic, labels, fc.constantFrom('t', 'u')), { minLength: 1, maxLength: 10 }),
        (specs, events) => {
          const log: string[] = [];
          const d = new Dispatcher();
          const session = recordingSession(log);
          const subs = specs.map((s, i) => new Subscription(`s${i}`, compileFilter(s), null));
          for (const sub of subs) d.add(session, sub);
          events.forEach(([t, l, type], i) => {
            log.length = 0;
            const e = event(i + 1, t, l, type);
            d.dispatch(e);
            const expected = subs.filter((s) => s.filter.test(e.event)).map((s) => s.id);
            expect(log.sort()).toEqual(expected.sort());
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
