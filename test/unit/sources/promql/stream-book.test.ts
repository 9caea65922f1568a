import { describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../../../../src/core/principal.js';
import { LivegateError } from '../../../../src/errors.js';
import type { SourceStream } from '../../../../src/sources/source.js';
import { MetricStream, StreamBook } from '../../../../src/sources/promql/stream-book.js';

/** A SourceStream recording what the source asks of it (the seam's own interface, no socket). */
function recordingStream(connection: string, subscription?: string) {
  const sent: [string, string][] = [];
  const stream: SourceStream & { blockedSince: number | null; sent: [string, string][] } = {
    connection,
    subscription,
    principal: ANONYMOUS,
    open: true,
    blockedSince: null,
    sent,
    send: (name, data) => sent.push([name, JSON.stringify(data)]),
    sendJson: (name, json) => sent.push([name, json]),
    close: () => undefined,
  };
  return stream;
}

const spec = { normalized: 'up', query: 'up', interval: 15, scope: '*' };

describe('StreamBook', () => {
  it('refuses the stream past maxStreams with too_many_metric_streams', () => {
    const book = new StreamBook(2);
    book.add(new MetricStream(recordingStream('c1'), spec));
    book.checkCapacity();
    book.add(new MetricStream(recordingStream('c2'), spec));
    let caught: unknown;
    try {
      book.checkCapacity();
    } catch (err) {
      caught = err;
    }
    expect((caught as LivegateError).code).toBe('too_many_metric_streams');
    expect((caught as LivegateError).status).toBe(503);
  });

  it('finds every stream of a connection and leaves the runner once on remove', () => {
    const book = new StreamBook(10);
    const a = new MetricStream(recordingStream('c1', 's1'), spec);
    const b = new MetricStream(recordingStream('c1', 's2'), spec);
    let leaves = 0;
    a.membership = { runner: null as never, leave: () => leaves++ };
    book.add(a);
    book.add(b);
    expect(book.byConnection('c1')).toHaveLength(2);
    book.remove(a);
    expect(book.byConnection('c1')).toEqual([b]);
    expect(leaves).toBe(1);
  });
});

describe('MetricStream', () => {
  it('sends the shared JSON as metric-update, and errors as error on SSE but metric-error on WebSocket', () => {
    const sse = recordingStream('c1');
    const ws = recordingStream('c2', 's1');
    const update = { resultType: 'vector' as const, result: [], evaluatedAt: '2026-12-01T00:00:15.000Z', queryMs: 1 };
    const json = JSON.stringify(update);
    for (const s of [new MetricStream(sse, spec), new MetricStream(ws, spec)]) {
      s.update(update, json);
      s.error({ code: 'prometheus_unavailable', message: 'down' }, '{"code":"prometheus_unavailable"}');
      expect(s.status()).toMatchObject({ updates: 1, errors: 1, lastUpdate: update.evaluatedAt, query: 'up' });
    }
    expect(sse.sent.map(([n]) => n)).toEqual(['metric-update', 'error']);
    expect(ws.sent.map(([n]) => n)).toEqual(['metric-update', 'metric-error']);
    expect(sse.sent[0]![1]).toBe(json);
  });

  it('measures how long writes have been blocked from the stream', () => {
    const s = recordingStream('c1');
    const m = new MetricStream(s, spec);
    expect(m.blockedFor(10_000)).toBe(0);
    s.blockedSince = 4000;
    expect(m.blockedFor(10_000)).toBe(6000);
  });
});
