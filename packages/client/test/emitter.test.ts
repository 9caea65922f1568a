import { describe, expect, it, vi } from 'vitest';
import { Emitter, compilePattern } from '../src/emitter.js';

describe('compilePattern', () => {
  it.each([
    ['*', 'anything', true],
    ['alert_*', 'alert_firing', true],
    ['alert_*', 'alert_', true],
    ['alert_*', 'silence_created', false],
    ['alert_*', 'alert', false],
    ['*_resolved', 'alert_resolved', true],
    ['*_resolved', 'alert_resolved_late', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(compilePattern(pattern)(name)).toBe(expected);
  });
});

interface Map {
  alert_firing: { fp: string };
  health_changed: { component: string };
}

describe('Emitter', () => {
  it('calls exact, prefix and catch-all listeners in the order they were added', () => {
    const e = new Emitter<Map, unknown>();
    const calls: string[] = [];
    e.on('*', () => calls.push('all'));
    e.on('alert_firing', (p) => calls.push(`exact:${p.fp}`));
    e.on('alert_*', () => calls.push('prefix'));
    e.on('health_*', () => calls.push('wrong'));
    e.emit('alert_firing', { fp: 'x' });
    expect(calls).toEqual(['all', 'exact:x', 'prefix']);
  });

  it('removes a listener through the returned function and through off', () => {
    const e = new Emitter<Map, unknown>();
    const fn = vi.fn();
    const stop = e.on('alert_*', fn);
    e.emit('alert_firing', {});
    stop();
    e.emit('alert_firing', {});
    e.on('*', fn);
    e.off('*', fn);
    e.emit('alert_firing', {});
    expect(fn).toHaveBeenCalledTimes(1);
    expect(e.size).toBe(0);
  });

  it('calls a once listener a single time', () => {
    const e = new Emitter<Map, unknown>();
    const fn = vi.fn();
    e.once('*', fn);
    e.emit('a', 1);
    e.emit('a', 2);
    expect(fn).toHaveBeenCalledExactlyOnceWith(1);
  });

  it('removing one registration of a function keeps its other registrations', () => {
    const e = new Emitter<Map, unknown>();
    const fn = vi.fn();
    e.on('*', fn);
    e.once('*', fn);
    e.emit('x', 1);
    e.emit('x', 2);
    expect(fn.mock.calls).toEqual([[1], [1], [2]]);
  });

  it('keeps delivering to other listeners when one throws, and reports the error', () => {
    const errors: unknown[] = [];
    const e = new Emitter<Map, unknown>((err, name) => errors.push([err, name]));
    const after = vi.fn();
    const boom = new Error('boom');
    e.on('*', () => {
      throw boom;
    });
    e.on('*', after);
    e.emit('alert_firing', {});
    expect(after).toHaveBeenCalledOnce();
    expect(errors).toEqual([[boom, 'alert_firing']]);
  });

  it('applies listeners added during an emit from the next emit on', () => {
    const e = new Emitter<Map, unknown>();
    const late = vi.fn();
    e.on('*', () => e.on('*', late));
    e.emit('x', 1);
    expect(late).not.toHaveBeenCalled();
    e.emit('x', 2);
    expect(late).toHaveBeenCalledOnce();
  });

  it('refuses an empty name and a non-function listener at once', () => {
    const e = new Emitter<Map, unknown>();
    expect(() => e.on('', () => undefined)).toThrow(TypeError);
    expect(() => e.on('*', 'nope' as never)).toThrow(/must be a function/);
  });

  it('tells whether a name has listeners', () => {
    const e = new Emitter<Map, unknown>();
    expect(e.hasListeners('alert_firing')).toBe(false);
    e.on('alert_*', () => undefined);
    expect(e.hasListeners('alert_firing')).toBe(true);
    expect(e.hasListeners('health_changed')).toBe(false);
  });
});
