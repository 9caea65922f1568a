import { describe, expect, it } from 'vitest';
import { StreamSwap } from '../src/stream-swap.js';
import { ev, snapshot } from './support/events.js';

const seqs = (events: readonly { seq: number }[]): number[] => events.map((e) => e.seq);

describe('StreamSwap in resume mode', () => {
  it('holds the old stream back until the new one is confirmed, then drops what it held', () => {
    const swap = new StreamSwap('resume');
    expect(swap.fromOld([ev(11), ev(12)])).toEqual([]);
    swap.commit();
    expect(swap.done).toBe(true);
    // The new stream replays from the id before the change, with its own filter.
    expect(seqs(swap.fromNew([ev(11), ev(12), ev(13)]))).toEqual([11, 12, 13]);
  });

  it('drops old-stream events arriving after the switch', () => {
    const swap = new StreamSwap('resume');
    swap.commit();
    expect(swap.fromOld([ev(14)])).toEqual([]);
  });

  it('gives back everything it held when the change fails', () => {
    const swap = new StreamSwap('resume');
    swap.fromOld([ev(11)]);
    swap.fromOld([ev(12)]);
    expect(seqs(swap.abort())).toEqual([11, 12]);
    expect(swap.done).toBe(true);
    expect(swap.abort()).toEqual([]);
  });

  it('treats new-stream events before the confirmation as confirming', () => {
    const swap = new StreamSwap('resume');
    swap.fromOld([ev(11)]);
    expect(seqs(swap.fromNew([ev(11)]))).toEqual([11]);
    expect(swap.done).toBe(true);
  });
});

describe('StreamSwap in fresh mode', () => {
  it('releases held events up to the new stream head before the snapshots, and drops the rest', () => {
    const swap = new StreamSwap('fresh');
    swap.fromOld([ev(20), ev(21), ev(22)]);
    swap.commit();
    expect(swap.done).toBe(false);
    swap.fromOld([ev(23)]);
    const out = swap.fromNew([snapshot(21, 'alerts', {}), snapshot(21, 'health', {})]);
    expect(out.map((e) => `${e.type}@${e.seq}`)).toEqual(['thing@20', 'thing@21', 'snapshot@21', 'snapshot@21']);
    expect(swap.done).toBe(true);
    expect(seqs(swap.fromNew([ev(22)]))).toEqual([22]);
  });

  it('lets late old-stream events through only below the new stream head', () => {
    const swap = new StreamSwap('fresh');
    swap.commit();
    swap.fromNew([snapshot(30, 'alerts', {})]);
    expect(seqs(swap.fromOld([ev(29), ev(31)]))).toEqual([29]);
  });

  it('releases held events from an older epoch entirely (they precede a server restart)', () => {
    const swap = new StreamSwap('fresh');
    swap.fromOld([ev(90, { epoch: 'old' })]);
    swap.commit();
    const out = swap.fromNew([snapshot(2, 'alerts', {}, 'new')]);
    expect(out.map((e) => e.id)).toEqual(['old-90', 'new-2']);
  });
});
