import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../../src/bus/memory-bus.js';
import { compileFilter } from '../../../src/core/filter.js';
import { Hub } from '../../../src/core/hub.js';
import type { CloseReason, Outbound, TransportWriter } from '../../../src/core/outbound.js';
import { ANONYMOUS } from '../../../src/core/principal.js';
import { LivegateError } from '../../../src/errors.js';

class NullWriter implements TransportWriter {
  readonly kind = 'ws' as const;
  write(_items: readonly Outbound[]): boolean {
    return true;
  }
  needsDrain(): boolean {
    return false;
  }
  bufferedBytes(): number {
    return 0;
  }
  onDrain(): void {}
  close(_reason: CloseReason): void {}
}

const hubs: Hub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.stop({ code: 'done', message: 'test over', wsCode: 1000 });
});

async function makeHub(perConnection: number, total: number): Promise<Hub> {
  const hub = new Hub({
    bus: new MemoryBus(),
    matcherBudget: { perConnection, total },
    maxSubscriptionsPerSession: 32,
  });
  hubs.push(hub);
  await hub.start();
  return hub;
}

function refusal(fn: () => unknown): LivegateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LivegateError);
    return err as LivegateError;
  }
  throw new Error('expected a refusal');
}

const EVIL = '{pod=~"(.|.)*#"}';

describe('the matching budget', () => {
  it('refuses the issue\'s "32 subscriptions × 64 matcher sets" on one connection with 400 invalid_filter', async () => {
    const hub = await makeHub(4096, 1_000_000);
    const session = hub.openSession({ transport: new NullWriter(), ip: '127.0.0.1', principal: ANONYMOUS });
    // 64 distinct sets per subscription, as a client would send them.
    const filter = (s: number) =>
      compileFilter({ match: Array.from({ length: 64 }, (_, i) => `{pod=~"(.|.)*#${s}-${i}"}`) });
    let accepted = 0;
    let err: LivegateError | undefined;
    for (let s = 0; s < 32 && err === undefined; s++) {
      try {
        hub.subscribe(session, { filter: filter(s) });
        accepted++;
      } catch (e) {
        err = e as LivegateError;
      }
    }
    expect(err).toBeInstanceOf(LivegateError);
    expect(err!.code).toBe('invalid_filter');
    expect(err!.status).toBe(400);
    expect(err!.field).toBe('match');
    expect(err!.message).toMatch(/would cost \d+; max 4096/);
    expect(accepted).toBeLessThan(32);
    expect(session.subscriptions.size).toBe(accepted);
  });

  it('counts identical regexes of different connections once in the total, and frees them with the last one', async () => {
    const hub = await makeHub(4096, 100);
    const a = hub.openSession({ transport: new NullWriter(), ip: '127.0.0.1', principal: ANONYMOUS });
    const b = hub.openSession({ transport: new NullWriter(), ip: '127.0.0.2', principal: ANONYMOUS });
    const subA = hub.subscribe(a, { filter: compileFilter({ match: [EVIL] }) });
    const cost = hub.matcherCost;
    expect(cost).toBeGreaterThan(1);
    hub.subscribe(b, { filter: compileFilter({ match: [EVIL] }) });
    expect(hub.matcherCost).toBe(cost);
    hub.unsubscribe(a, subA.id);
    expect(hub.matcherCost).toBe(cost);
    hub.closeSession(b.id, { code: 'done', message: '', wsCode: 1000 });
    expect(hub.matcherCost).toBe(0);
  });

  it('refuses a new distinct regex beyond the total with 503 matcher_budget_exhausted; literals still pass', async () => {
    const hub = await makeHub(4096, 64);
    const session = hub.openSession({ transport: new NullWriter(), ip: '127.0.0.1', principal: ANONYMOUS });
    let n = 0;
    let err: LivegateError | undefined;
    while (err === undefined && n < 100) {
      try {
        hub.subscribe(session, { filter: compileFilter({ match: [`{pod=~"x-[0-9]+-${n}"}`] }) });
        n++;
      } catch (e) {
        err = e as LivegateError;
      }
    }
    expect(err?.code).toBe('matcher_budget_exhausted');
    expect(err?.status).toBe(503);
    expect(hub.matcherCost).toBeLessThanOrEqual(64);
    // A regex already live, and literal matchers, add nothing to the total.
    hub.subscribe(session, { filter: compileFilter({ match: ['{pod=~"x-[0-9]+-0"}', '{team="db"}'] }) });
  });

  it('does not count subscriptions the hub refused for another reason', async () => {
    const hub = await makeHub(4096, 1000);
    const session = hub.openSession({ transport: new NullWriter(), ip: '127.0.0.1', principal: ANONYMOUS });
    for (let i = 0; i < 32; i++) hub.subscribe(session, { filter: compileFilter({ topics: ['a'] }) });
    expect(refusal(() => hub.subscribe(session, { filter: compileFilter({ match: [EVIL] }) })).code).toBe(
      'too_many_subscriptions',
    );
    expect(hub.matcherCost).toBe(0);
  });
});
