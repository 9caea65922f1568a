import { describe, expect, it } from 'vitest';
import { createBus } from '../../../src/bus/create-bus.js';
import { MemoryBus } from '../../../src/bus/memory-bus.js';
import { runBusContract } from '../../contract/bus-contract.js';

runBusContract('memory', { make: () => new MemoryBus() });

describe('MemoryBus', () => {
  it('keeps at most retainEvents for replay and answers older reads with reset', async () => {
    const bus = new MemoryBus('retainepoch', { retainEvents: 3 });
    await bus.start(() => {});
    const events = await bus.append(
      [1, 2, 3, 4, 5].map((d) => ({ topic: 't', type: 'x', source: 's', time: 't', labels: {}, data: d })),
    );
    expect(await bus.read(events[0]!.id, 10)).toBe('reset');
    expect(((await bus.read(events[1]!.id, 10)) as { data: unknown }[]).map((e) => e.data)).toEqual([3, 4, 5]);
    await bus.stop();
  });

  it('refuses a bad retainEvents and a bad read limit', async () => {
    expect(() => new MemoryBus(undefined, { retainEvents: 0 })).toThrow(/retainEvents/);
    await expect(new MemoryBus().read('abcd-0', 0)).rejects.toThrow(/limit/);
  });
});

describe('createBus', () => {
  it('builds the bus bus.kind names', () => {
    expect(createBus({ kind: 'memory' }).kind).toBe('memory');
  });

  it('refuses an unknown kind, naming the known ones', () => {
    expect(() => createBus({ kind: 'kafka' })).toThrow(/unknown bus.kind "kafka"; known: memory/);
  });
});
