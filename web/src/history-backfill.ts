/**
 * Fills the 24-hour resolved history when the page opens: the server's replay window still holds
 * the `alert_resolved` events of before the page was loaded, so they are read once with a
 * long-poll (`since` = just before the window's first event, `timeout=0`), page by page, with the
 * same label filter as the live subscription. A window that was trimmed meanwhile (`reset`) just
 * ends the backfill: the history then starts at page load, as before.
 */
import type { LivegateEvent } from '../../packages/client/src/index.js';
import { authHeaders } from './access-token.js';

/** Most poll pages read (each answers up to the server's batch size). */
const MAX_PAGES = 20;

interface PollAnswer {
  readonly events: LivegateEvent[];
  readonly lastEventId: string;
  readonly reset: boolean;
}

/**
 * Reads resolved alerts from the replay window and hands each to `add`, oldest first.
 * @param match - the canonical label filter (`''` for none).
 */
export async function backfillResolved(add: (event: LivegateEvent) => void, match: string): Promise<void> {
  const base = new URL('.', window.location.href);
  const info = (await (await fetch(new URL('api/v2/info', base), { headers: authHeaders() })).json()) as {
    epoch?: string;
    window?: { events: number; firstSeq: number };
  };
  if (info.epoch === undefined || info.window === undefined || info.window.events === 0) return;
  let since = `${info.epoch}-${Math.max(0, info.window.firstSeq - 1)}`;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ topics: 'alerts', types: 'alert_resolved', since, timeout: '0' });
    if (match !== '') query.set('match', match);
    const res = await fetch(new URL(`api/v2/events/poll?${query.toString()}`, base), { headers: authHeaders() });
    if (!res.ok) return;
    const answer = (await res.json()) as PollAnswer;
    if (answer.reset || answer.events.length === 0) return;
    for (const event of answer.events) add(event);
    if (answer.lastEventId === since) return;
    since = answer.lastEventId;
  }
}
