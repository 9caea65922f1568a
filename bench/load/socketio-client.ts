/**
 * Socket.IO 4 subscribers.
 *
 * Default: a lean engine.io v4 / socket.io v5-protocol client over `ws`, so the generator spends the
 * same per-message effort on every target (`socket.io-client` parses every packet with JSON.parse
 * and routes it through several emitters, which would make the generator the bottleneck for this
 * target only). Protocol: `0{…}` open → send `40`; `40{…}` namespace connected; `2` ping → `3`;
 * `42["event",{envelope}]`. Events named `hello` mark the subscription live.
 *
 * `--socketio-client official` uses `socket.io-client` instead (checks the lean one).
 */
import WebSocket from 'ws';
import { io as ioConnect } from 'socket.io-client';
import { extractFromObject, extractNT, shardLabel, type SubscriberEndpoint } from '../lib/protocol.js';
import type { ClientHandlers, OpenOptions, SubscriberClient } from './client.js';

export function openSocketIo(ep: SubscriberEndpoint, opts: OpenOptions, h: ClientHandlers): SubscriberClient {
  return ep.officialSocketIoClient ? openOfficial(ep, opts, h) : openLean(ep, opts, h);
}

function openLean(ep: SubscriberEndpoint, opts: OpenOptions, h: ClientHandlers): SubscriberClient {
  const q = new URLSearchParams({ EIO: '4', transport: 'websocket', ...ep.query });
  if (opts.shard >= 0) q.set('shard', shardLabel(opts.shard));
  const ws = new WebSocket(`ws://${ep.host}:${ep.port}${ep.path}?${q.toString()}`, {
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
  ws.on('error', (err) => {
    lastError = err.message;
  });
  ws.on('close', (code) => finish(lastError ? `ws error: ${lastError}` : `ws closed ${code}`, code !== 1000));
  ws.on('message', (raw: Buffer) => {
    const s = raw.toString();
    const c0 = s.charCodeAt(0);
    if (c0 === 52 /* '4' message */) {
      const c1 = s.charCodeAt(1);
      if (c1 === 50 /* '2' EVENT */) {
        if (s.startsWith('42["event",')) {
          if (extractNT(s, 10)) h.onEvent(undefined);
          return;
        }
        const name = s.slice(4, s.indexOf('"', 4));
        if (name === 'hello' && !ready) {
          ready = true;
          h.onReady();
        }
        h.onControl(name, s);
      } else if (c1 === 48 /* '0' CONNECT */) {
        h.onControl('connect', s);
      } else if (c1 === 49 /* '1' DISCONNECT */ || c1 === 52 /* '4' CONNECT_ERROR */) {
        h.onControl('error', s);
        finish(`socket.io ${c1 === 49 ? 'disconnect' : 'connect error'}: ${s.slice(2, 200)}`, true);
        ws.terminate();
      }
    } else if (c0 === 50 /* '2' ping */) {
      ws.send('3');
    } else if (c0 === 48 /* '0' open */) {
      ws.send('40');
    } else if (c0 === 49 /* '1' close */) {
      finish('engine.io close', false);
      ws.terminate();
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

function openOfficial(ep: SubscriberEndpoint, opts: OpenOptions, h: ClientHandlers): SubscriberClient {
  const query: Record<string, string> = { ...ep.query };
  if (opts.shard >= 0) query.shard = shardLabel(opts.shard);
  const socket = ioConnect(`http://${ep.host}:${ep.port}`, {
    path: ep.path,
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    query,
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
  } as Parameters<typeof ioConnect>[1]);
  let closedByUs = false;
  let done = false;
  const finish = (reason: string, isError: boolean): void => {
    if (done) return;
    done = true;
    if (!closedByUs) h.onClose(reason, isError);
  };
  /** The underlying `ws` socket of the websocket transport. */
  const rawWs = (): { pause?: () => void; resume?: () => void } | undefined =>
    (socket.io.engine as unknown as { transport?: { ws?: { pause?: () => void; resume?: () => void } } }).transport?.ws;
  socket.on('hello', () => h.onReady());
  socket.on('event', (env: unknown) => {
    if (extractFromObject(env)) h.onEvent(undefined);
  });
  socket.on('connect_error', (err: Error) => finish(`connect_error: ${err.message}`, true));
  socket.on('disconnect', (reason: string) => finish(`disconnect: ${reason}`, reason !== 'io client disconnect'));
  return {
    pause() {
      rawWs()?.pause?.();
    },
    resume() {
      rawWs()?.resume?.();
    },
    close() {
      closedByUs = true;
      socket.disconnect();
    },
  };
}
