import { describe, expect, it } from 'vitest';
import type { Outbound } from '../../../src/core/outbound.js';
import { SerializedEvent, textFrame } from '../../../src/core/serialized-event.js';
import { isMessageName, sseChunks, sseControl, sseRetry, wsFrameOf } from '../../../src/transports/framing.js';

/** The exact wire bytes of every frame the transports write (framing.ts and the shared event frames). */

const event = (seq: number, data: unknown = { n: seq }): SerializedEvent =>
  new SerializedEvent(
    {
      id: `ep-${seq}`,
      seq,
      topic: 'deploys',
      type: 'deploy_finished',
      source: 'ci',
      time: '2026-11-23T07:01:29.119Z',
      labels: { env: 'prod' },
      data,
    },
    0,
  );

const text = (buffers: readonly Buffer[]): string => Buffer.concat(buffers).toString('utf8');

/** Decodes one unmasked server frame: FIN/opcode byte and the payload, checking the length header. */
function decodeFrame(frame: Buffer): { first: number; payload: string } {
  let length = frame[1]!;
  let offset = 2;
  if (length === 126) {
    length = frame.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    length = frame.readUInt32BE(2) * 2 ** 32 + frame.readUInt32BE(6);
    offset = 10;
  }
  expect(frame.length).toBe(offset + length);
  return { first: frame[0]!, payload: frame.subarray(offset).toString('utf8') };
}

describe('SSE framing', () => {
  it('starts a stream with the retry line', () => {
    expect(sseRetry(2000).toString()).toBe('retry: 2000\n\n');
  });

  it('writes an event as id and data lines, with the event line only when named', () => {
    const e = event(7);
    expect(e.sse(false).toString()).toBe(`id: ep-7\ndata: ${e.json}\n\n`);
    expect(e.sse(true).toString()).toBe(`event: deploy_finished\nid: ep-7\ndata: ${e.json}\n\n`);
    // Built once and shared by every connection.
    expect(e.sse(false)).toBe(e.sse(false));
  });

  it('keeps data on one line: newlines inside values are JSON escapes, so no frame can be injected', () => {
    const e = event(8, { text: 'line 1\n\nevent: reset\ndata: {}\r\n' });
    const frame = e.sse(false).toString();
    expect(frame.split('\n')).toEqual([`id: ep-8`, `data: ${e.json}`, '', '']);
  });

  it('names control events, and gives reset and heartbeat an id line so EventSource moves its resume id', () => {
    expect(sseControl('hello', { connection: 'c1', epoch: 'ep', heartbeatMs: 30000 }).toString()).toBe(
      'event: hello\ndata: {"connection":"c1","epoch":"ep","heartbeatMs":30000}\n\n',
    );
    expect(sseControl('heartbeat', { time: 't', lastEventId: 'ep-9' }).toString()).toBe(
      'event: heartbeat\nid: ep-9\ndata: {"time":"t","lastEventId":"ep-9"}\n\n',
    );
    expect(sseControl('reset', { reason: 'epoch_changed', lastEventId: 'ep-4' }).toString()).toBe(
      'event: reset\nid: ep-4\ndata: {"reason":"epoch_changed","lastEventId":"ep-4"}\n\n',
    );
    // Without a position there is no id line (a heartbeat while catching up).
    expect(sseControl('heartbeat', { time: 't' }).toString()).toBe('event: heartbeat\ndata: {"time":"t"}\n\n');
    expect(sseControl('error', { code: 'slow_consumer', lastEventId: 'ep-1' }).toString()).toBe(
      'event: error\ndata: {"code":"slow_consumer","lastEventId":"ep-1"}\n\n',
    );
  });

  it('flattens a flush into frames in order: events, batches, source messages and controls with their subscription', () => {
    const [a, b, c] = [event(1), event(2), event(3)];
    const items: Outbound[] = [
      { kind: 'event', sub: 's1', event: a },
      { kind: 'batch', sub: 's1', events: [b, c] },
      { kind: 'message', name: 'sample', json: '{"v":1}' },
      { kind: 'control', name: 'reset', sub: 's1', data: { reason: 'window_trimmed', lastEventId: 'ep-3' } },
    ];
    expect(text(sseChunks(items, false))).toBe(
      `id: ep-1\ndata: ${a.json}\n\n` +
        `id: ep-2\ndata: ${b.json}\n\n` +
        `id: ep-3\ndata: ${c.json}\n\n` +
        'event: sample\ndata: {"v":1}\n\n' +
        'event: reset\nid: ep-3\ndata: {"reason":"window_trimmed","lastEventId":"ep-3","subscription":"s1"}\n\n',
    );
  });
});

describe('WebSocket framing', () => {
  it('wraps payloads in final, unmasked text frames with 7-bit, 16-bit and 64-bit lengths', () => {
    for (const size of [0, 125, 126, 65535, 65536, 70000]) {
      const payload = Buffer.alloc(size, 'a');
      const frame = textFrame(payload);
      expect(frame[0], `size ${size}`).toBe(0x81);
      expect(frame[1]! & 0x80, 'server frames are not masked').toBe(0);
      expect(decodeFrame(frame).payload).toBe(payload.toString());
    }
    expect(textFrame(Buffer.from('hi')).toString('hex')).toBe('81026869');
  });

  it('sends an event as an event op of its subscription, one shared frame per subscription id', () => {
    const e = event(5);
    const frame = wsFrameOf({ kind: 'event', sub: 's2', event: e });
    expect(decodeFrame(frame).payload).toBe(`{"op":"event","subscription":"s2","event":${e.json}}`);
    expect(e.wsFrame('s2')).toBe(frame);
  });

  it('sends a batch as one events op, a source message as its own op, and controls as ops', () => {
    const [a, b] = [event(1), event(2)];
    expect(JSON.parse(decodeFrame(wsFrameOf({ kind: 'batch', sub: 's1', events: [a, b] })).payload)).toEqual({
      op: 'events',
      subscription: 's1',
      events: [JSON.parse(a.json), JSON.parse(b.json)],
    });
    expect(decodeFrame(wsFrameOf({ kind: 'message', name: 'sample', sub: 's3', json: '{"v":1}' })).payload).toBe(
      '{"op":"sample","subscription":"s3","data":{"v":1}}',
    );
    expect(decodeFrame(wsFrameOf({ kind: 'message', name: 'sample', json: '[]' })).payload).toBe(
      '{"op":"sample","data":[]}',
    );
    expect(
      JSON.parse(decodeFrame(wsFrameOf({ kind: 'control', name: 'reset', sub: 's1', data: { reason: 'x' } })).payload),
    ).toEqual({ op: 'reset', subscription: 's1', reason: 'x' });
    expect(decodeFrame(wsFrameOf({ kind: 'control', name: 'pong', data: { id: 'p1' } })).payload).toBe(
      '{"op":"pong","id":"p1"}',
    );
  });
});

describe('isMessageName', () => {
  it('accepts 1–64 of A–Z a–z 0–9 _ . : - and nothing that could break a frame', () => {
    for (const ok of ['sample', 'metric.sample', 'a:b-c_d', 'x'.repeat(64)]) expect(isMessageName(ok), ok).toBe(true);
    for (const bad of ['', 'x'.repeat(65), 'a b', 'a\nb', 'a\rb', 'a"b', 'é'])
      expect(isMessageName(bad), bad).toBe(false);
  });
});
