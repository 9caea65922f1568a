import { describe, expect, it } from 'vitest';
import { guarded } from '../../../src/core/guard.js';

describe('guarded', () => {
  it('passes arguments through and returns normally when the task does not throw', () => {
    const seen: number[] = [];
    guarded(
      't',
      () => {},
      (a: number, b: number) => seen.push(a + b),
    )(2, 3);
    expect(seen).toEqual([5]);
  });

  it('hands a throw to the reporter with the task name instead of letting it escape', () => {
    const reports: [string, unknown][] = [];
    const boom = new Error('EMFILE');
    const task = guarded(
      'stats',
      (name, err) => reports.push([name, err]),
      () => {
        throw boom;
      },
    );
    expect(() => task()).not.toThrow();
    expect(reports).toEqual([['stats', boom]]);
  });

  it('swallows a reporter that throws too', () => {
    const task = guarded(
      'x',
      () => {
        throw new Error('logger broken');
      },
      () => {
        throw new Error('task broken');
      },
    );
    expect(() => task()).not.toThrow();
  });
});
