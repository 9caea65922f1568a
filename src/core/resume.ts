import { LivegateError } from '../errors.js';
import { parseEventId } from './event-id.js';
import type { ReplayWindow } from './replay-window.js';
import type { Subscription } from './subscription.js';

/** Why a resuming subscription was reset instead. */
export type ResetReason = 'epoch_changed' | 'window_trimmed' | 'unknown_position';

/** Where a subscription asking to resume from an id starts. */
export type ResumePoint =
  /** Replay the window from after `seq`. */
  | { readonly kind: 'replay'; readonly seq: number }
  /** The position cannot be resumed from: send a `reset`, then snapshots. */
  | { readonly kind: 'reset'; readonly reason: ResetReason };

/**
 * The resume rule of every transport: an id of another epoch, or one whose following events were
 * trimmed, or one ahead of the head, resets; anything else replays from the window.
 *
 * @throws {LivegateError} `invalid_event_id` when `since` is not an id livegate issues.
 */
export function resumePoint(since: string, epoch: string, window: ReplayWindow, field = 'since'): ResumePoint {
  const parsed = parseEventId(since);
  if (parsed === null)
    throw new LivegateError('invalid_event_id', `"${truncate(since)}" is not a livegate event id`, { field });
  if (parsed.epoch !== epoch) return { kind: 'reset', reason: 'epoch_changed' };
  const found = window.lookup(parsed.seq);
  if (found.kind === 'trimmed') return { kind: 'reset', reason: 'window_trimmed' };
  if (found.kind === 'ahead') return { kind: 'reset', reason: 'unknown_position' };
  return { kind: 'replay', seq: parsed.seq };
}

/**
 * The position an idle connection may resume from, sent with heartbeats: while every subscription
 * of the connection is live and holds no partial batch, everything up to the hub's `head` has been
 * delivered or filtered out for it, so `head` is safe and an idle client with a narrow filter keeps
 * a position inside the window instead of drifting out of it. `null` when no such position exists
 * (no subscription, or one still catching up or batching).
 */
export function safeResumePosition(subscriptions: Iterable<Subscription>, head: string): string | null {
  let any = false;
  for (const sub of subscriptions) {
    // A source's extension subscription (e.g. a metric stream) carries no bus events.
    if (sub.extension !== null) continue;
    if (sub.mode !== 'live' || sub.pending.length > 0) return null;
    any = true;
  }
  return any ? head : null;
}

/** Shortens client input quoted in an error message. */
export function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
