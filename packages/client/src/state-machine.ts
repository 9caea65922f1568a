/**
 * The client's lifecycle as a string state and one transition function. Every change goes
 * through {@link StateMachine.apply}, which reports `{oldState, newState}` exactly once.
 */
import type { ClientState } from './types.js';

/** What happened to the connection. */
export type StateInput =
  /** A connection opened. */
  | 'opened'
  /** An attempt failed or an open connection was lost; the client will retry. */
  | 'lost'
  /** `close()`, or an error that must not be retried. */
  | 'closed';

/**
 * The transition function. `connecting` stays `connecting` until the first open (a failing
 * first connect is not a *re*connect); after that a loss means `reconnecting`. `closed` is
 * terminal.
 */
export function nextState(state: ClientState, input: StateInput): ClientState {
  if (state === 'closed') return 'closed';
  switch (input) {
    case 'closed':
      return 'closed';
    case 'opened':
      return 'open';
    case 'lost':
      return state === 'connecting' ? 'connecting' : 'reconnecting';
  }
}

/** A state change. */
export interface Transition {
  readonly oldState: ClientState;
  readonly newState: ClientState;
}

/** Holds the current state and reports changes. */
export class StateMachine {
  #state: ClientState;
  readonly #onChange: (change: Transition) => void;

  constructor(initial: ClientState, onChange: (change: Transition) => void) {
    this.#state = initial;
    this.#onChange = onChange;
  }

  get state(): ClientState {
    return this.#state;
  }

  /** Applies an input; returns the change, or `null` when the state stayed the same. */
  apply(input: StateInput): Transition | null {
    const oldState = this.#state;
    const newState = nextState(oldState, input);
    if (newState === oldState) return null;
    this.#state = newState;
    const change = { oldState, newState };
    this.#onChange(change);
    return change;
  }
}
