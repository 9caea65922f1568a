/**
 * The publisher: `rate` events/s for `durationMs`, sent every `tickMs` as one JSON array per POST.
 * One request in flight at a time keeps the server-side order equal to `n`; when the server is
 * slow the next batch is larger (events due are never dropped, only late, and each carries the time
 * it was actually sent), up to `maxBatch` (default 100: a broadcast server handles a batch in one
 * synchronous turn, and huge batches would block it for seconds and feed back into ever larger
 * batches). Bounded: stops at the planned count or at `durationMs + hardStopMs`.
 */
import http from 'node:http';
import { draftJson, makePad, nowMs } from './protocol.js';

export interface PublishOptions {
  host: string;
  port: number;
  path: string;
  rate: number;
  durationMs: number;
  shards: number;
  tickMs?: number;
  maxBatch?: number;
  hardStopMs?: number;
}

export interface PublishResult {
  /** Events 0..published-1 were sent (some may have failed, see failedEvents). */
  published: number;
  planned: number;
  requests: number;
  failedRequests: number;
  failedEvents: number;
  /** Time of the first send and when the last response arrived (ms, timeOrigin + now). */
  startedAt: number;
  endedAt: number;
  /** Largest number of due events waiting behind an in-flight request (publisher lag). */
  maxBacklog: number;
  /** Slowest publish request (ms). */
  maxRequestMs: number;
  errorSamples: string[];
}

export function publish(o: PublishOptions): Promise<PublishResult> {
  const tickMs = o.tickMs ?? 10;
  const maxBatch = Math.min(1000, o.maxBatch ?? 100);
  const hardStopMs = o.hardStopMs ?? 30_000;
  const planned = Math.round((o.rate * o.durationMs) / 1000);
  const pad = makePad();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const r: PublishResult = {
    published: 0,
    planned,
    requests: 0,
    failedRequests: 0,
    failedEvents: 0,
    startedAt: nowMs(),
    endedAt: 0,
    maxBacklog: 0,
    maxRequestMs: 0,
    errorSamples: [],
  };
  const t0 = performance.now();
  let inFlight = false;

  return new Promise((resolve) => {
    const done = (): void => {
      clearInterval(timer);
      agent.destroy();
      r.endedAt = nowMs();
      resolve(r);
    };
    const fail = (count: number, msg: string): void => {
      r.failedRequests++;
      r.failedEvents += count;
      if (r.errorSamples.length < 5) r.errorSamples.push(msg);
    };
    const tick = (): void => {
      const elapsed = performance.now() - t0;
      if (elapsed > o.durationMs + hardStopMs) {
        done(); // bound: give up on whatever is still in flight
        return;
      }
      const due = elapsed >= o.durationMs ? planned : Math.min(planned, Math.floor((o.rate * elapsed) / 1000));
      if (inFlight) {
        r.maxBacklog = Math.max(r.maxBacklog, due - r.published);
        return;
      }
      if (r.published >= planned) {
        done();
        return;
      }
      if (due <= r.published) return;
      const count = Math.min(due - r.published, maxBatch);
      const first = r.published;
      const t = Math.round(nowMs() * 1000) / 1000;
      const parts = new Array<string>(count);
      for (let k = 0; k < count; k++) parts[k] = draftJson(first + k, t, o.shards, pad);
      const body = `[${parts.join(',')}]`;
      r.published += count;
      r.requests++;
      inFlight = true;
      const sentAt = performance.now();
      const req = http.request(
        {
          host: o.host,
          port: o.port,
          path: o.path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            if (text.length < 300) text += c;
          });
          res.on('error', (err) => {
            inFlight = false;
            fail(count, `publish response error: ${err.message}`);
          });
          res.on('end', () => {
            inFlight = false;
            r.maxRequestMs = Math.max(r.maxRequestMs, Math.round(performance.now() - sentAt));
            const code = res.statusCode ?? 0;
            if (code < 200 || code >= 300) fail(count, `HTTP ${code}: ${text.slice(0, 200)}`);
          });
        },
      );
      req.setTimeout(60_000, () =>
        req.destroy(new Error('no response within 60 s (the server may still have applied it)')),
      );
      req.on('error', (err) => {
        inFlight = false;
        fail(count, `publish error: ${err.message}`);
      });
      req.end(body);
    };
    const timer = setInterval(tick, tickMs);
    tick();
  });
}
