/**
 * WebSocket subscribers over `ws`:
 * - `ws-plain`: every text message is one envelope; `{"op":"hello"}` marks the subscription live.
 * - `ws-livegate`: send `subscribe` (with `since` to resume), live after `subscribed`; events come as
 *   `{"op":"event","event":{…}}` or batched `{"op":"events","events":[…]}`.
 */
import WebSocket from 'ws';
import {
  extractFromObject,
  extractNT,
  livegateMatcher,
  subscriberQuery,
  type SubscriberEndpoint,
} from '../lib/protocol.js';
import type { ClientHandlers, OpenOptions, SubscriberClient } from './client.js';

const EVENT_PREFIX = '{"op":"event"';

export function openWs(ep: SubscriberEndpoint, opts: OpenOptions, h: ClientHandlers): SubscriberClient {
  const livegate = ep.kind === 'ws-livegate';
  const url = `ws://${ep.host}:${ep.port}${ep.path}${livegate ? '' : subscriberQuery(ep, opts.shard)}`;
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    handshakeTimeout: 30_000,
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
  });
  let closedByUs = false;
  let done = false;
  let ready = false;
  let lastError = '';
  const finish = (reason: string, isError: boolean): void => {
    if (done) return;
    done = true;
    if (!closedByUs) h.onClose(reason, isError);
  };
  const markReady = (): void => {
    if (!ready) {
      ready = true;
      h.onReady();
    }
  };

  ws.on('open', () => {
    if (livegate) {
      const sub: Record<string, unknown> = { op: 'subscribe', id: 'r1', topics: ['bench'] };
      if (opts.shard >= 0) sub.match = [livegateMatcher(opts.shard)];
      if (opts.resumeId !== undefined) sub.since = opts.resumeId;
      ws.send(JSON.stringify(sub));
    }
  });
  ws.on('error', (err) => {
    lastError = err.message;
  });
  ws.on('unexpected-response', (_req, res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      if (body.length < 300) body += c;
    });
    res.on('end', () => {
      finish(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`, true);
      ws.terminate();
    });
  });
  ws.on('close', (code, reason) => {
    if (lastError) finish(`ws error: ${lastError}`, true);
    else finish(`ws closed ${code} ${reason.toString().slice(0, 100)}`, code !== 1000 && code !== 1001);
  });

  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const s = isBinary ? raw.toString('utf8') : raw.toString();
    if (!livegate) {
      if (extractNT(s)) {
        h.onEvent(undefined);
        return;
      }
      // control: {"op":"hello"} or anything else
      let op = 'message';
      try {
        const m = JSON.parse(s) as { op?: unknown };
        if (typeof m.op === 'string') op = m.op;
      } catch {
        /* not JSON */
      }
      if (op === 'hello') markReady();
      h.onControl(op, s);
      return;
    }
    // livegate dialect: fast path for a single event in the usual key order.
    if (s.startsWith(EVENT_PREFIX)) {
      const ev = s.indexOf('"event":', EVENT_PREFIX.length);
      if (ev >= 0 && extractNT(s, ev)) {
        h.onEvent(readId(s, ev));
        return;
      }
    }
    let m: { op?: unknown; event?: unknown; events?: unknown; message?: unknown } | undefined;
    try {
      m = JSON.parse(s) as typeof m;
    } catch {
      h.onControl('invalid', s);
      return;
    }
    const op = typeof m?.op === 'string' ? m.op : 'unknown';
    if (op === 'event') {
      if (extractFromObject(m!.event)) h.onEvent(idOf(m!.event));
      else h.onControl('event-without-bench-data', s);
    } else if (op === 'events' && Array.isArray(m!.events)) {
      for (const e of m!.events as unknown[]) {
        if (extractFromObject(e)) h.onEvent(idOf(e));
      }
    } else {
      if (op === 'subscribed') markReady();
      h.onControl(op, s);
    }
  });

  return {
    pause() {
      ws.pause();
    },
    resume() {
      ws.resume();
    },
    close() {
      closedByUs = true;
      ws.terminate();
    },
  };
}

function idOf(e: unknown): string | undefined {
  const id = (e as { id?: unknown }).id;
  return typeof id === 'string' ? id : typeof id === 'number' ? String(id) : undefined;
}

/** The envelope id right after `"event":{` (first `"id":` key at or after `from`). */
function readId(s: string, from: number): string | undefined {
  const k = s.indexOf('"id":', from);
  if (k < 0) return undefined;
  let i = k + 5;
  while (s.charCodeAt(i) === 32) i++;
  if (s.charCodeAt(i) === 34) {
    const end = s.indexOf('"', i + 1);
    return end < 0 ? undefined : s.slice(i + 1, end);
  }
  let end = i;
  while (end < s.length && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
  return end > i ? s.slice(i, end) : undefined;
}
