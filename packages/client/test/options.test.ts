import { describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  needsSnapshot,
  normalizeFilter,
  resolveOptions,
  sameFilter,
  snapshotTopics,
} from '../src/options.js';
import { POLL_PATH, endpoint, pollUrl, resolveBaseUrl, sseUrl, wsUrl } from '../src/transports/urls.js';
import type { ClientOptions } from '../src/types.js';

const fake = () => ({ name: 'sse' as const, close: () => undefined });

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveOptions({ url: 'http://lg.test', fetch: globalThis.fetch });
    expect(o).toMatchObject({
      minReconnectDelayMs: 500,
      maxReconnectDelayMs: 30_000,
      connectTimeoutMs: 10_000,
      heartbeatMs: 30_000,
      pollTimeoutSeconds: 25,
      watchOnline: true,
      withCredentials: false,
      reprobe: { afterMs: 60_000, maxMs: 960_000 },
    });
    expect(o.stateTopics).toEqual(DEFAULTS.stateTopics);
  });

  it('drops transports this runtime cannot run when the order is left to its default', () => {
    // Node 20 has fetch but neither EventSource nor WebSocket.
    const o = resolveOptions({
      url: 'http://lg.test',
      EventSource: undefined,
      WebSocket: undefined,
      fetch: globalThis.fetch,
    });
    expect(o.order).toContain('poll');
    expect(o.order).not.toContain('sse');
  });

  it('refuses an explicitly requested transport without an implementation, saying what to pass', () => {
    const g = globalThis as { EventSource?: unknown };
    if (g.EventSource !== undefined) return;
    expect(() => resolveOptions({ url: 'http://lg.test', transports: ['sse'] })).toThrow(/options\.EventSource/);
  });

  it('accepts any transport given a factory for it', () => {
    expect(
      resolveOptions({ url: 'http://lg.test', transports: ['sse'], transportFactories: { sse: fake } }).order,
    ).toEqual(['sse']);
  });

  it.each<[string, Partial<ClientOptions>, RegExp]>([
    ['a missing url', { url: '' }, /options\.url is required/],
    ['a relative url outside a browser', { url: '/livegate' }, /must be absolute/],
    ['a foreign scheme', { url: 'ftp://x' }, /http\(s\) or ws\(s\)/],
    ['min above max', { minReconnectDelayMs: 5000, maxReconnectDelayMs: 1000 }, /must not exceed/],
    ['a negative timeout', { connectTimeoutMs: -1 }, /connectTimeoutMs must be a positive number/],
    ['an unknown transport', { transports: ['carrier-pigeon' as never] }, /unknown transport/],
    ['a duplicated transport', { transports: ['poll', 'poll'] }, /twice/],
    ['no transport', { transports: [] }, /at least one/],
    ['a fractional poll timeout', { pollTimeoutSeconds: 2.5 }, /whole number/],
    ['a bad token', { token: 42 as never }, /options\.token/],
  ])('refuses %s with a TypeError that says how to fix it', (_name, patch, message) => {
    expect(() => resolveOptions({ url: 'http://lg.test', fetch: globalThis.fetch, ...patch })).toThrow(message);
  });
});

describe('normalizeFilter', () => {
  it('trims and deduplicates lists, and drops empty restrictions', () => {
    expect(normalizeFilter({ topics: [' alerts', 'alerts', 'health'], types: [], match: ['{a="b"}'] })).toEqual({
      topics: ['alerts', 'health'],
      match: ['{a="b"}'],
    });
  });

  it('refuses an empty topic list, which would otherwise mean every topic', () => {
    expect(() => normalizeFilter({ topics: [] })).toThrow(/omit it to receive every topic/);
  });

  it('refuses non-string entries and commas in topic names', () => {
    expect(() => normalizeFilter({ topics: [1 as never] })).toThrow(TypeError);
    expect(() => normalizeFilter({ topics: ['a,b'] })).toThrow(/comma/);
  });

  it('compares filters regardless of list order', () => {
    expect(sameFilter({ topics: ['a', 'b'] }, { topics: ['b', 'a'] })).toBe(true);
    expect(sameFilter({ topics: ['a'] }, { topics: ['a'], types: ['x'] })).toBe(false);
  });
});

describe('needsSnapshot', () => {
  const state = ['alerts', 'health'];
  it('asks for snapshots when a state topic is added', () => {
    expect(needsSnapshot({ topics: ['alerts'] }, { topics: ['alerts', 'health'] }, state)).toBe(true);
    expect(needsSnapshot({ topics: ['deploys'] }, {}, state)).toBe(true);
  });

  it('asks for snapshots when label, type or source restrictions change under a state topic', () => {
    expect(needsSnapshot({ topics: ['alerts'], match: ['{severity="critical"}'] }, { topics: ['alerts'] }, state)).toBe(
      true,
    );
    expect(needsSnapshot({ topics: ['alerts'] }, { topics: ['alerts'], sources: ['am'] }, state)).toBe(true);
  });

  it('resumes when only plain topics change', () => {
    expect(needsSnapshot({ topics: ['alerts'] }, { topics: ['alerts', 'deploys'] }, state)).toBe(false);
    expect(needsSnapshot({ topics: ['alerts', 'deploys'] }, { topics: ['alerts'] }, state)).toBe(false);
    expect(needsSnapshot({ topics: ['deploys'] }, { topics: ['deploys'], match: ['{a="b"}'] }, state)).toBe(false);
  });
});

describe('endpoint URLs', () => {
  const base = resolveBaseUrl('https://lg.test/prefix/?ignored=1#x');

  it('keeps a path prefix and drops query and fragment of the base', () => {
    expect(endpoint(base, POLL_PATH).href).toBe('https://lg.test/prefix/api/v2/events/poll');
  });

  it('maps ws(s) base URLs to http(s)', () => {
    expect(resolveBaseUrl('wss://lg.test').protocol).toBe('https:');
    expect(resolveBaseUrl('ws://lg.test').protocol).toBe('http:');
  });

  it('builds the SSE URL with comma lists, repeated match, lastEventId and access_token', () => {
    const url = new URL(
      sseUrl(
        base,
        {
          topics: ['alerts', 'health'],
          types: ['alert_*'],
          sources: ['am/prod'],
          match: ['{severity="critical"}', '{team="db",env="prod"}'],
        },
        'e-5',
        't0k',
      ),
    );
    expect(url.pathname).toBe('/prefix/api/v2/events/stream');
    expect(url.searchParams.get('topics')).toBe('alerts,health');
    expect(url.searchParams.get('types')).toBe('alert_*');
    expect(url.searchParams.get('sources')).toBe('am/prod');
    expect(url.searchParams.getAll('match')).toEqual(['{severity="critical"}', '{team="db",env="prod"}']);
    expect(url.searchParams.get('lastEventId')).toBe('e-5');
    expect(url.searchParams.get('access_token')).toBe('t0k');
  });

  it('omits unset parameters', () => {
    expect(sseUrl(base, {}, null, null)).toBe('https://lg.test/prefix/api/v2/events/stream');
  });

  it('builds the WebSocket URL on ws(s) with the token as a query parameter', () => {
    expect(wsUrl(base, 'abc')).toBe('wss://lg.test/prefix/ws/dashboard?access_token=abc');
    expect(wsUrl(resolveBaseUrl('http://lg.test'), null)).toBe('ws://lg.test/ws/dashboard');
  });

  it('builds the poll URL with since and timeout, and no token', () => {
    const url = new URL(pollUrl(base, { topics: ['alerts'] }, 'e-9', 25));
    expect(url.searchParams.get('since')).toBe('e-9');
    expect(url.searchParams.get('timeout')).toBe('25');
    expect(url.searchParams.has('access_token')).toBe(false);
  });
});

describe('snapshotTopics', () => {
  const state = ['alerts', 'health'];
  it('names only the state topics a change newly covers', () => {
    expect(snapshotTopics({ topics: ['alerts'] }, { topics: ['alerts', 'health'] }, state)).toEqual(['health']);
    expect(snapshotTopics({ topics: ['deploys'] }, {}, state)).toEqual(['alerts', 'health']);
    expect(snapshotTopics({ topics: ['alerts'] }, { topics: ['alerts', 'deploys'] }, state)).toEqual([]);
  });

  it('names every covered state topic when the restrictions change', () => {
    expect(snapshotTopics({ topics: ['alerts', 'x'] }, { topics: ['alerts', 'x'], types: ['t'] }, state)).toEqual([
      'alerts',
    ]);
  });
});
