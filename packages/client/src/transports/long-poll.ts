/**
 * Long-poll over `fetch`: `GET /api/v2/events/poll?since=…&timeout=…` answers
 * `{"events":[…],"lastEventId":"…","reset":false}`, and the next poll continues from
 * `lastEventId`. The first poll asks `timeout=0` so that connecting takes one round trip (the
 * answer carries snapshots or missed events at once) and the connect timeout can be short;
 * later polls wait up to `pollTimeoutSeconds`.
 *
 * There is no hello and no heartbeat: every answer, empty or not, is proof of life, and the
 * transport reports the poll timeout as its heartbeat interval so the client's watchdog catches a
 * poll that hangs.
 */
import { SNAPSHOT_TYPE } from '@livegate/protocol';
import { LivegateError, errorFromHttp } from '../errors.js';
import { asEnvelopes, asRecord, stringField } from './envelope.js';
import type { Transport, TransportParams } from './transport.js';
import { pollUrl } from './urls.js';

/** An empty answer sooner than this after asking for a long wait means the server ignores `timeout`: pause instead of spinning. */
const MIN_EMPTY_POLL_MS = 1000;

/** Starts polling. */
export function createLongPollTransport(params: TransportParams): Transport {
  const fetchImpl = params.fetch;
  if (fetchImpl === undefined) {
    throw new LivegateError('transport_error', 'no fetch in this runtime; pass options.fetch', { disposition: 'skip' });
  }
  const h = params.handlers;
  const controller = new AbortController();
  let done = false;
  let opened = false;
  let cursor = params.since;
  // Asked for on every poll until their snapshots arrived: a poll that answers before its catch-up
  // reached the head has skipped these topics' events, and the next one must snapshot them.
  let snapshot = params.snapshot ?? [];
  let pause: ReturnType<typeof setTimeout> | undefined;

  const headers: Record<string, string> = { accept: 'application/json' };
  if (params.token !== null) headers.authorization = `Bearer ${params.token}`;
  const init: RequestInit = {
    headers,
    signal: controller.signal,
    credentials: params.withCredentials ? 'include' : 'same-origin',
  };

  const finish = (error: LivegateError): void => {
    if (done) return;
    done = true;
    controller.abort();
    h.closed(error);
  };

  const poll = async (): Promise<void> => {
    while (!done) {
      const timeout = opened ? params.pollTimeoutSeconds : 0;
      const started = Date.now();
      let res: Response;
      try {
        res = await fetchImpl(pollUrl(params.baseUrl, params.filter, cursor, timeout, snapshot), init);
      } catch (cause) {
        if (done) return;
        finish(
          opened
            ? new LivegateError('connection_lost', 'long-poll request failed', { cause })
            : new LivegateError('connect_failed', 'long-poll endpoint could not be reached', { cause }),
        );
        return;
      }
      if (done) return;
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        finish(errorFromHttp(res.status, body, res.headers.get('retry-after')));
        return;
      }
      let body: Record<string, unknown> | null;
      try {
        body = asRecord(await res.json());
      } catch (cause) {
        if (done) return;
        finish(new LivegateError('protocol_error', 'long-poll answer is not JSON', { cause }));
        return;
      }
      if (done) return;
      const events = asEnvelopes(body?.events);
      if (body === null || events === null) {
        finish(
          new LivegateError('protocol_error', 'long-poll answer does not have the {events, lastEventId, reset} shape'),
        );
        return;
      }
      if (!opened) {
        opened = true;
        h.open({ connection: null, epoch: null, heartbeatMs: params.pollTimeoutSeconds * 1000 });
        if (done) return;
      }
      if (body.reset === true) snapshot = [];
      else if (snapshot.length > 0) {
        const got = new Set(events.filter((e) => e.type === SNAPSHOT_TYPE).map((e) => e.topic));
        snapshot = snapshot.filter((t) => !got.has(t));
      }
      if (body.reset === true) {
        h.reset(stringField(body, 'resetReason') ?? 'reset');
        if (done) return;
      }
      if (events.length > 0) {
        h.events(events);
        if (done) return;
      }
      const position = stringField(body, 'lastEventId') || (events.length > 0 ? events[events.length - 1]!.id : null);
      h.heartbeat(position);
      if (done) return;
      if (position !== null) cursor = position;
      if (events.length === 0 && timeout > 0 && Date.now() - started < MIN_EMPTY_POLL_MS) {
        await new Promise<void>((resolve) => {
          pause = setTimeout(resolve, MIN_EMPTY_POLL_MS);
        });
      }
    }
  };
  void poll();

  return {
    name: 'poll',
    close(): void {
      if (done) return;
      done = true;
      clearTimeout(pause);
      controller.abort();
    },
  };
}
