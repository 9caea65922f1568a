import type { Bus } from '../core/bus.js';
import { MemoryBus } from './memory-bus.js';

/** The `bus` section of the configuration, as far as the factory reads it. */
export interface BusConfig {
  /** Which implementation: `memory` (single node). */
  readonly kind: string;
}

/** What a bus may need from the server besides its configuration. */
export interface BusDeps {
  /** Events the memory bus keeps for replay; the server passes the replay window's bound. */
  readonly retainEvents?: number;
}

/**
 * Builds the bus `config.kind` names. The server uses only this factory, so adding a bus is one
 * case here plus its own module.
 *
 * @throws {TypeError} for a kind no implementation exists for.
 */
export function createBus(config: BusConfig, deps: BusDeps = {}): Bus {
  switch (config.kind) {
    case 'memory':
      return new MemoryBus(undefined, deps.retainEvents === undefined ? {} : { retainEvents: deps.retainEvents });
    default:
      throw new TypeError(`createBus: unknown bus.kind "${config.kind}"; known: memory`);
  }
}
