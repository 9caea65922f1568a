import { describe, expect, it } from 'vitest';
import { TRANSPORT_NAMES, TRANSPORT_PATHS, isTransportName } from '../src/index.js';

describe('transport names', () => {
  it('are sse, ws and poll, in order of preference', () => {
    expect(TRANSPORT_NAMES).toEqual(['sse', 'ws', 'poll']);
    expect(Object.keys(TRANSPORT_PATHS)).toEqual(['sse', 'ws', 'poll']);
  });

  it.each(['sse', 'ws', 'poll'])('accepts %j', (name) => expect(isTransportName(name)).toBe(true));

  it.each(['websocket', 'long-poll', 'WS', '', 'constructor', null, 1])('refuses %j', (name) =>
    expect(isTransportName(name)).toBe(false),
  );
});
