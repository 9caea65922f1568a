/**
 * livegate writes WebSocket frames straight to the socket `ws` owns (WsWriter): one frame per event,
 * built once and shared by every socket. `ws` has no supported way to send pre-framed bytes, so
 * this relies on how `ws` works inside, and `ws` is pinned to one exact version. These tests fail
 * when an upgrade changes what is relied on:
 *
 * - `ws` writes on the very socket handed to `handleUpgrade` (`_socket`), through its `_sender`;
 * - without compression it writes its own frames (ping, pong, messages, close) synchronously, in
 *   call order, and queues nothing (`_sender._queue` empty, `_bufferedBytes` 0, state DEFAULT), so
 *   its frames never land inside one of ours or overtake it;
 * - `bufferedAmount` is the socket's `writableLength` plus `_sender._bufferedBytes`, which is what
 *   WsWriter's backpressure reads;
 * - our frames are byte for byte what `ws`'s public `Sender.frame` builds, and a real `ws` client
 *   reads them, interleaved with `ws`'s own frames, up to the close code.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import WebSocket, { WebSocketServer } from 'ws';
import type { LiveEvent } from '../../../src/core/event.js';
import { SerializedEvent, textFrame } from '../../../src/core/serialized-event.js';
import { WsWriter } from '../../../src/transports/websocket.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The version these checks were written against; change it only after they pass on the new one. */
const PINNED_WS = '8.23.0';

/** What the tests read of `ws`'s insides. */
interface WsInternals {
  _socket: Duplex;
  _sender: { _socket: Duplex; _bufferedBytes: number; _queue: unknown[]; _state: number };
}

/** `ws`'s `Sender.frame` (public in its source, exported by the package, absent from @types/ws). */
const Sender = (
  wsModule as unknown as {
    Sender: { frame(data: Buffer, options: Record<string, boolean | number>): Buffer[] };
  }
).Sender;

interface Pair {
  server: WebSocket;
  socket: Duplex;
  client: WebSocket;
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

/** A real `ws` server (as livegate configures it) and a real `ws` client, connected. */
async function connect(): Promise<Pair> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  const httpServer = http.createServer();
  const accepted = new Promise<{ server: WebSocket; socket: Duplex }>((resolve) => {
    httpServer.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (server) => resolve({ server, socket })),
    );
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  const { server, socket } = await accepted;
  await new Promise<void>((resolve, reject) => {
    if (client.readyState === WebSocket.OPEN) resolve();
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  cleanup.push(() => {
    client.terminate();
    server.terminate();
    wss.close();
    httpServer.close();
  });
  return { server, socket, client };
}

function liveEvent(seq: number, data: unknown): LiveEvent {
  return {
    id: `ep-${seq}`,
    seq,
    topic: 't',
    type: 'x',
    source: 'test',
    time: '2026-12-01T00:00:00.000Z',
    labels: {},
    data,
  };
}

describe('ws internals the WebSocket writer relies on', () => {
  it('ws is pinned to the exact version these checks were written against', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const installed = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'ws', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(pkg.dependencies.ws).toBe(PINNED_WS);
    expect(installed.version).toBe(PINNED_WS);
  });

  it('writes on the socket handed to handleUpgrade, through a sender with the expected fields', async () => {
    const { server, socket } = await connect();
    const inside = server as unknown as WsInternals;
    expect(inside._socket).toBe(socket);
    expect(inside._sender._socket).toBe(socket);
    expect(inside._sender._bufferedBytes).toBe(0);
    expect(Array.isArray(inside._sender._queue)).toBe(true);
    expect(typeof inside._sender._state).toBe('number');
  });

  it('writes its own frames synchronously and in call order, queueing nothing, without compression', async () => {
    const { server, socket } = await connect();
    const inside = server as unknown as WsInternals;
    const written: Buffer[] = [];
    const write = socket.write.bind(socket);
    socket.write = ((chunk: Buffer, ...rest: never[]) => {
      written.push(Buffer.from(chunk));
      return write(chunk, ...rest);
    }) as typeof socket.write;
    server.ping();
    expect(Buffer.concat(written)).toEqual(Buffer.from([0x89, 0x00]));
    written.length = 0;
    server.pong(Buffer.from('p'));
    expect(Buffer.concat(written)).toEqual(Buffer.from([0x8a, 0x01, 0x70]));
    written.length = 0;
    server.send('hi');
    expect(Buffer.concat(written)).toEqual(textFrame(Buffer.from('hi')));
    expect(inside._sender._queue).toHaveLength(0);
    expect(inside._sender._bufferedBytes).toBe(0);
    written.length = 0;
    server.close(4008, 'slow');
    expect(Buffer.concat(written)).toEqual(Buffer.from([0x88, 0x06, 0x0f, 0xa8, ...Buffer.from('slow')]));
  });

  it('reports bufferedAmount as the socket buffer plus the sender buffer', async () => {
    const { server, socket } = await connect();
    const inside = server as unknown as WsInternals;
    socket.cork(); // hold writes in the socket buffer so there is something to count
    socket.write(textFrame(Buffer.alloc(1000, 0x61)));
    expect(server.bufferedAmount).toBe(socket.writableLength + inside._sender._bufferedBytes);
    expect(server.bufferedAmount).toBeGreaterThanOrEqual(1002);
    socket.uncork();
  });

  it('accepts writes only below a high-water mark of at most 64 KiB, so the fast path needs no bufferedAmount check', async () => {
    // WsWriter.writeEvent returns the socket's own answer: with nothing in ws's sender, a write
    // the socket accepted leaves bufferedAmount below this mark, which is at most WsWriter's.
    const { socket } = await connect();
    expect(socket.writableHighWaterMark).toBeLessThanOrEqual(64 * 1024);
  });

  it('builds the same bytes as ws\u2019s public Sender.frame for every length encoding', () => {
    for (const length of [0, 1, 125, 126, 1000, 65535, 65536, 70000]) {
      const payload = Buffer.alloc(length, 0x62);
      const theirs = Sender.frame(payload, { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false });
      expect(textFrame(payload).equals(Buffer.concat(theirs)), `length ${length}`).toBe(true);
    }
  });

  it('a real ws client reads WsWriter frames interleaved with ws\u2019s own ping and close, in order', async () => {
    const { server, socket, client } = await connect();
    const writer = new WsWriter(server, socket);
    const received: string[] = [];
    let pinged = 0;
    client.on('message', (data: Buffer) => received.push(data.toString()));
    client.on('ping', () => pinged++);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const small = new SerializedEvent(liveEvent(1, 'a'), 0);
    const medium = new SerializedEvent(liveEvent(2, 'b'.repeat(300)), 0); // 16-bit length
    const large = new SerializedEvent(liveEvent(3, 'c'.repeat(70_000)), 0); // 64-bit length
    expect(writer.writeEvent('s1', small)).toBe(true);
    server.ping();
    writer.write([
      { kind: 'event', sub: 's2', event: medium },
      { kind: 'control', name: 'heartbeat', data: { time: 'now' } },
      { kind: 'batch', sub: 's1', events: [small, medium] },
    ]);
    writer.writeEvent('s1', large);
    writer.close({ code: 'slow_consumer', message: 'client did not read fast enough', wsCode: 4008 });
    expect(await closed).toEqual({ code: 4008, reason: 'client did not read fast enough' });
    expect(pinged).toBe(1);
    const ops = received.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(ops.map((m) => [m.op, m.subscription])).toEqual([
      ['event', 's1'],
      ['event', 's2'],
      ['heartbeat', undefined],
      ['events', 's1'],
      ['event', 's1'],
    ]);
    expect((ops[4]!.event as LiveEvent).data).toBe('c'.repeat(70_000));
    expect((ops[3]!.events as LiveEvent[]).map((e) => e.seq)).toEqual([1, 2]);
  });
});
