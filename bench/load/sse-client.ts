/**
 * A lean SSE subscriber: one `http.request` per connection (no agent pooling), the body parsed by
 * hand. Understands `id:`, `event:`, `data:` (multi-line), `retry:` and comments, with LF or CRLF
 * line ends. Not a browser polyfill: no reconnection logic here (the worker decides).
 */
import http from 'node:http';
import { extractNT, subscriberQuery, type SubscriberEndpoint } from '../lib/protocol.js';
import type { ClientHandlers, OpenOptions, SubscriberClient } from './client.js';

export function openSse(ep: SubscriberEndpoint, opts: OpenOptions, h: ClientHandlers): SubscriberClient {
  let closedByUs = false;
  let done = false;
  let ready = false;
  let res: http.IncomingMessage | undefined;
  const finish = (reason: string, isError: boolean): void => {
    if (done) return;
    done = true;
    if (!closedByUs) h.onClose(reason, isError);
  };

  const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
  if (opts.resumeId !== undefined) headers['last-event-id'] = opts.resumeId;
  const req = http.request({
    host: ep.host,
    port: ep.port,
    path: ep.path + subscriberQuery(ep, opts.shard),
    method: 'GET',
    headers,
    agent: false,
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
  });
  req.on('error', (err) => finish(`request error: ${err.message}`, true));
  req.on('response', (r) => {
    res = r;
    if (r.statusCode !== 200) {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => {
        if (body.length < 300) body += c;
      });
      r.on('end', () => finish(`HTTP ${r.statusCode}: ${body.slice(0, 200)}`, true));
      r.on('error', () => finish(`HTTP ${r.statusCode}`, true));
      return;
    }
    r.setEncoding('utf8');
    let buf = '';
    // Fields of the event being assembled.
    let evName = '';
    let evData = '';
    let evHasData = false;
    let evId: string | undefined;

    const dispatch = (): void => {
      if (!evHasData && evName === '') {
        evId = undefined;
        return;
      }
      if (evName === '' || evName === 'message') {
        if (extractNT(evData)) h.onEvent(evId);
        else h.onControl('message', evData);
      } else {
        if (!ready && evName === ep.readyEvent) {
          ready = true;
          h.onReady();
        }
        h.onControl(evName, evData);
      }
      evName = '';
      evData = '';
      evHasData = false;
      evId = undefined;
    };

    const line = (s: string, start: number, end: number): void => {
      if (end > start && s.charCodeAt(end - 1) === 13) end--; // CR before LF
      if (end === start) {
        dispatch();
        return;
      }
      if (s.charCodeAt(start) === 58) return; // ':' comment
      const colon = s.indexOf(':', start);
      let field: string;
      let value: string;
      if (colon < 0 || colon >= end) {
        field = s.slice(start, end);
        value = '';
      } else {
        field = s.slice(start, colon);
        let v = colon + 1;
        if (v < end && s.charCodeAt(v) === 32) v++;
        value = s.slice(v, end);
      }
      switch (field) {
        case 'data':
          evData = evHasData ? `${evData}\n${value}` : value;
          evHasData = true;
          break;
        case 'id':
          evId = value;
          break;
        case 'event':
          evName = value;
          break;
        default:
          break; // retry and unknown fields
      }
    };

    r.on('data', (chunk: string) => {
      buf = buf.length === 0 ? chunk : buf + chunk;
      let pos = 0;
      for (;;) {
        const nl = buf.indexOf('\n', pos);
        if (nl < 0) break;
        line(buf, pos, nl);
        pos = nl + 1;
      }
      buf = pos === 0 ? buf : buf.slice(pos);
    });
    r.on('end', () => finish('stream ended by server', false));
    r.on('error', (err) => finish(`response error: ${err.message}`, true));
    r.on('close', () => finish('stream closed', false));
    if (ep.readyEvent === '') {
      ready = true;
      h.onReady();
    }
  });
  req.end();

  return {
    pause() {
      res?.pause();
    },
    resume() {
      res?.resume();
    },
    close() {
      closedByUs = true;
      req.destroy();
      res?.destroy();
    },
  };
}
