import { randomBytes } from 'node:crypto';

/**
 * Event ids are `<epoch>-<seq>`: the epoch names one life of the bus (a memory bus gets a new one
 * at every start, a Redis bus keeps one per stream), `seq` is the position in its total order.
 * Clients treat ids as opaque; the server uses the epoch to recognise an id from another life and
 * answer it with a `reset` instead of silently skipping events.
 */

/** A parsed event id. */
export interface EventPosition {
  readonly epoch: string;
  readonly seq: number;
}

const EPOCH_PATTERN = /^[a-z0-9]{4,32}$/;
const MAX_ID_LENGTH = 64;

/** Makes a new random epoch: 12 lowercase base-36 characters. */
export function newEpoch(): string {
  const bytes = randomBytes(8);
  return (bytes.readBigUInt64BE(0) % 36n ** 12n).toString(36).padStart(12, '0');
}

/** Formats an id. `seq` 0 is the position before the first event of an epoch. */
export function formatEventId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/** Parses an id, or returns `null` when it is not one livegate could have issued. */
export function parseEventId(id: string): EventPosition | null {
  if (id.length === 0 || id.length > MAX_ID_LENGTH) return null;
  const dash = id.lastIndexOf('-');
  if (dash <= 0) return null;
  const epoch = id.slice(0, dash);
  const digits = id.slice(dash + 1);
  if (!EPOCH_PATTERN.test(epoch) || !/^(0|[1-9][0-9]{0,15})$/.test(digits)) return null;
  const seq = Number(digits);
  if (!Number.isSafeInteger(seq)) return null;
  return { epoch, seq };
}
