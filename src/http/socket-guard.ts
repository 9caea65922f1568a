import { readFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { httpErrorAnswer, LivegateError, rawHttpResponse } from '../errors.js';

/** Descriptors kept free for logs, outgoing connections (Redis, Alertmanager, Prometheus) and files. */
export const DESCRIPTOR_RESERVE = 128;

/** Sockets refused beyond the limit still answered before Node drops them at accept. */
const ANSWERED_OVERFLOW = 64;

/** How long a refused socket may take to read its answer before it is destroyed. */
const REFUSED_LINGER_MS = 1000;

/** Why a socket was refused. */
export type SocketRefusal = 'total' | 'per_ip' | 'dropped';

/** Options of {@link SocketGuard}. */
export interface SocketGuardOptions {
  /** Most open sockets in total; `null` for no limit. */
  readonly max: number | null;
  /** Most open sockets from one peer address. */
  readonly maxPerIp: number;
  /** Peers not counted per address (trusted proxies carry many clients). Defaults to none. */
  readonly exempt?: (address: string) => boolean;
  /** `Retry-After` of the refusals, in seconds. */
  readonly retryAfterSeconds: number;
  /** Told about each refused socket (for the metric). */
  readonly onRefused?: (reason: SocketRefusal) => void;
}

/**
 * Counts raw TCP sockets on the `connection` event, before any HTTP parsing, in total and per peer
 * address, and refuses those beyond the limits: a socket that never completes its headers, or
 * never reads, must not be able to take every file descriptor of the process. A refused socket
 * gets `503 too_many_connections` or `429 too_many_connections_per_ip` written raw and is closed;
 * past the total limit plus a small margin, Node itself closes new sockets on accept
 * (`server.maxConnections`) without an answer.
 */
export class SocketGuard {
  private total = 0;
  private readonly perIp = new Map<string, number>();

  constructor(private readonly options: SocketGuardOptions) {}

  /** Open sockets (accepted and not yet closed, refused ones included until they close). */
  get size(): number {
    return this.total;
  }

  /** Peer addresses with at least one open socket. */
  get addresses(): number {
    return this.perIp.size;
  }

  /** Starts counting the sockets `server` accepts; call before it listens. */
  attach(server: Server): void {
    const { max } = this.options;
    if (max !== null) server.maxConnections = max + ANSWERED_OVERFLOW;
    server.on('drop', () => this.options.onRefused?.('dropped'));
    // Appended after Node's own HTTP `connection` listener, so `pause()` below reaches the parser.
    server.on('connection', (socket: Socket) => this.admit(socket));
  }

  private admit(socket: Socket): void {
    const address = normalize(socket.remoteAddress ?? 'unknown');
    const counted = this.options.exempt?.(address) !== true;
    const current = counted ? (this.perIp.get(address) ?? 0) : 0;
    this.total++;
    if (counted) this.perIp.set(address, current + 1);
    socket.once('close', () => {
      this.total--;
      if (!counted) return;
      const left = (this.perIp.get(address) ?? 1) - 1;
      if (left <= 0) this.perIp.delete(address);
      else this.perIp.set(address, left);
    });
    const { max, maxPerIp } = this.options;
    if (max !== null && this.total > max) this.refuse(socket, 'total');
    else if (counted && current >= maxPerIp) this.refuse(socket, 'per_ip');
  }

  /** Answers without reading the request (the parser is paused) and closes. */
  private refuse(socket: Socket, reason: 'total' | 'per_ip'): void {
    this.options.onRefused?.(reason);
    socket.pause();
    const error =
      reason === 'total'
        ? new LivegateError('too_many_connections', 'server socket limit reached')
        : new LivegateError('too_many_connections_per_ip', 'too many sockets from this address');
    socket.on('error', () => {});
    socket.setTimeout(REFUSED_LINGER_MS, () => socket.destroy());
    socket.end(rawHttpResponse(httpErrorAnswer(error, this.options.retryAfterSeconds)));
  }
}

/**
 * The soft limit on open files of this process (Linux `/proc/self/limits`), or `null` when unknown
 * or unlimited.
 */
export function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined || !/^\d+$/.test(soft) ? null : Number(soft);
  } catch {
    return null;
  }
}

/**
 * `sockets.max` resolved: the configured value, or (0) the open-file limit minus
 * {@link DESCRIPTOR_RESERVE} (at least 16), or `null` when the limit is unknown.
 */
export function resolveMaxSockets(configured: number, fileLimit: number | null = openFileLimit()): number | null {
  if (configured > 0) return configured;
  if (fileLimit === null) return null;
  return Math.max(16, fileLimit - DESCRIPTOR_RESERVE);
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, so one client is counted once. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && /^\d+\.\d+\.\d+\.\d+$/.test(address.slice(7)) ? address.slice(7) : address;
}
