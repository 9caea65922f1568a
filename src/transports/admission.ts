import type { CloseReason } from '../core/outbound.js';
import type { ConnectionGate, PollResume } from './context.js';

/** What {@link admit} hands the slot to: a session, which reports its close once. */
export interface SlotHolder {
  readonly state: string;
  onClose(listener: (reason: CloseReason) => void): void;
}

/**
 * Takes a connection slot for `ip` (`resume`: see {@link ConnectionGate.acquire}) and runs
 * `open`, the one owner of the slot until it hands it over: the session `open` returns releases
 * it when it closes. When `open` throws, or returns a session that is already closed, the slot
 * goes back here at once, so no path after `acquire` can keep it (a leaked slot is a client
 * address locked out for the life of the process).
 */
export function admit<T extends SlotHolder>(
  gate: Pick<ConnectionGate, 'acquire'>,
  ip: string,
  resume: PollResume | undefined,
  open: () => T,
): T {
  const release = gate.acquire(ip, resume);
  let owner: T | undefined;
  try {
    owner = open();
    if (owner.state === 'closed') release();
    else owner.onClose(release);
    return owner;
  } finally {
    if (owner === undefined) release();
  }
}
