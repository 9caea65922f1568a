import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.js';

const bounds = { minMs: 500, maxMs: 30_000 };

describe('backoffDelay', () => {
  it('spans [min, 2×min] on the first retry, so even the first wave is spread', () => {
    expect(backoffDelay(0, bounds, () => 0)).toBe(500);
    expect(backoffDelay(0, bounds, () => 0.999999)).toBe(1000);
    expect(backoffDelay(0, bounds, () => 0.5)).toBe(750);
  });

  it('doubles the ceiling with every attempt', () => {
    const top = (attempt: number): number => backoffDelay(attempt, bounds, () => 1);
    expect([0, 1, 2, 3, 4].map(top)).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('never exceeds the maximum, however many attempts', () => {
    expect(backoffDelay(5, bounds, () => 1)).toBe(30_000);
    expect(backoffDelay(1000, bounds, () => 1)).toBe(30_000);
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, bounds, () => 1)).toBe(30_000);
  });

  it('never goes below the minimum, even with a random source at 0', () => {
    for (let attempt = 0; attempt < 40; attempt++) expect(backoffDelay(attempt, bounds, () => 0)).toBe(500);
  });

  it('draws uniformly over the whole window (full jitter), not around its end', () => {
    const delays = Array.from({ length: 11 }, (_, i) => backoffDelay(3, bounds, () => i / 10));
    expect(delays[0]).toBe(500);
    expect(delays[5]).toBe(4250);
    expect(delays[10]).toBe(8000);
  });

  it('adds the jitter on top of a server-requested floor instead of clamping everyone to it', () => {
    expect(backoffDelay(0, bounds, () => 0, 5000)).toBe(5500);
    expect(backoffDelay(0, bounds, () => 1, 5000)).toBe(6000);
    expect(backoffDelay(0, bounds, () => 0, 0)).toBe(500);
  });

  it('treats negative and fractional attempts as the nearest valid step', () => {
    expect(backoffDelay(-3, bounds, () => 1)).toBe(1000);
    expect(backoffDelay(1.7, bounds, () => 1)).toBe(2000);
  });

  it('clamps a misbehaving random source into [0, 1]', () => {
    expect(backoffDelay(0, bounds, () => -5)).toBe(500);
    expect(backoffDelay(0, bounds, () => 7)).toBe(1000);
  });
});
