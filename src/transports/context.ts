import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Hub } from '../core/hub.js';
import type { Principal } from '../core/principal.js';

/**
 * Who is calling. Implemented by the HTTP layer's auth gate (the one place that reads credentials
 * and decides access); transports only ask it.
 */
export interface Authenticate {
  /**
   * The principal of a request to a Fastify route, resolved by the access check before the handler
   * ran. Throws `unauthorized` when there is none.
   */
  principalOf(request: FastifyRequest): Principal;
  /**
   * The principal of a WebSocket handshake (which bypasses Fastify's hooks): its `Authorization`
   * header, `access_token` query value or `livegate_token` cookie, else its address. Rejects with
   * `unauthorized`, `invalid_token`, `token_expired` or `auth_unavailable`.
   */
  handshake(headers: IncomingHttpHeaders, accessToken: string | undefined, ip: string): Promise<Principal>;
  /**
   * The principal of a WebSocket `refresh` token replacing `current`: same subject, no fewer rights,
   * not expired. Rejects with `invalid_token`, `token_expired` or `forbidden`
   * (`NarrowerRightsError` when the token grants fewer rights: the transport ends the connection).
   */
  refresh(token: string, current: Principal): Promise<Principal>;
}

/** Admission of a new connection by client address; returns the function that gives the slot back. */
export interface ConnectionGate {
  /**
   * Takes a slot for `ip` or throws `too_many_connections(_per_ip)` / `rate_limited`. A long-poll
   * passes its resume position as `resume`: when this node's previous answer to `ip` earned a
   * continuation from exactly there ({@link ConnectionGate.answered}), the poll is the next request
   * of a client already being served and is not counted against `limits.connectsPerSecond` (a
   * long-poll client makes one request per answer, and under a steady event rate that is many per
   * second). Any other position (forged, replayed, from another node) is counted like a new
   * connection. The connection limits always apply.
   */
  acquire(ip: string, resume?: PollResume): () => void;
  /**
   * A long-poll answered `ip` with `lastEventId`: after delivering something (events or a reset)
   * or waiting out a timeout of at least a second, one poll from that position continues for free
   * (`any`); after an immediate empty `timeout=0` answer (a client's first poll), only one that
   * waits does (`waiting`), so a connect costs one counted request and no loop spins for free.
   */
  answered(ip: string, lastEventId: string, pass: 'any' | 'waiting'): void;
}

/** Where a long-poll resumes, for {@link ConnectionGate.acquire}. */
export interface PollResume {
  /** The `since` position. */
  readonly from: string;
  /** Whether the poll asks to wait (a timeout of at least a second). */
  readonly waits: boolean;
}

/** Counts messages a WebSocket client sends; `false` means it is flooding and must be closed. */
export interface MessageBudget {
  /** Takes one message for `connection`; `false` when over `ws.maxMessagesPerSecond`. */
  take(connection: string): boolean;
  /** Forgets a closed connection. */
  forget(connection: string): void;
}

/** Which browser origins may connect. Judged on the `Origin` header alone: `Host` proves nothing. */
export interface OriginCheck {
  allows(origin: string | undefined): boolean;
}

/** Resolves the client address, believing `X-Forwarded-For` only from trusted proxies. */
export interface ClientAddress {
  resolve(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined): string;
}

/**
 * What every transport handler needs from the server; built once in `http/server.ts`. The HTTP
 * layer hands these implementations down, so transports never import it.
 */
export interface TransportContext {
  readonly hub: Hub;
  readonly config: Config;
  readonly limiter: ConnectionGate;
  readonly auth: Authenticate;
  /** WebSocket messages per connection (`ws.maxMessagesPerSecond`). */
  readonly wsMessages: MessageBudget;
  readonly origins: OriginCheck;
  readonly clientIp: ClientAddress;
  readonly log: Logger;
  /** True once graceful shutdown began: new connections are refused with `shutting_down`. */
  shuttingDown(): boolean;
}
