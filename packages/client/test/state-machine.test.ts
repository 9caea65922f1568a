import { describe, expect, it } from 'vitest';
import { StateMachine, nextState, type Transition } from '../src/state-machine.js';
import type { ClientState } from '../src/types.js';

describe('nextState', () => {
  const table: [ClientState, 'opened' | 'lost' | 'closed', ClientState][] = [
    ['connecting', 'opened', 'open'],
    ['connecting', 'lost', 'connecting'],
    ['connecting', 'closed', 'closed'],
    ['open', 'lost', 'reconnecting'],
    ['open', 'opened', 'open'],
    ['open', 'closed', 'closed'],
    ['reconnecting', 'opened', 'open'],
    ['reconnecting', 'lost', 'reconnecting'],
    ['reconnecting', 'closed', 'closed'],
    ['closed', 'opened', 'closed'],
    ['closed', 'lost', 'closed'],
  ];
  it.each(table)('%s + %s → %s', (state, input, expected) => {
    expect(nextState(state, input)).toBe(expected);
  });
});

describe('StateMachine', () => {
  it('reports each change once with its old and new state', () => {
    const changes: Transition[] = [];
    const m = new StateMachine('connecting', (c) => changes.push(c));
    m.apply('lost');
    m.apply('opened');
    m.apply('opened');
    m.apply('lost');
    m.apply('closed');
    m.apply('opened');
    expect(changes).toEqual([
      { oldState: 'connecting', newState: 'open' },
      { oldState: 'open', newState: 'reconnecting' },
      { oldState: 'reconnecting', newState: 'closed' },
    ]);
    expect(m.state).toBe('closed');
  });

  it('returns null when the input changes nothing', () => {
    const m = new StateMachine('open', () => undefined);
    expect(m.apply('opened')).toBeNull();
    expect(m.apply('lost')).toEqual({ oldState: 'open', newState: 'reconnecting' });
  });
});
