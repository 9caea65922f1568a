import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Hub } from '../core/hub.js';
import type { Principal } from '../core/principal.js';

/**
 * Establishes who is calling. Implemented by the HTTP layer's authenticator (the one place that
 * reads credentials); transports only ask it.
 */
export interface Authenticate {
  /** The principal for these headers and `access_token` query value; throws `unauthorized`. */
  authenticate(headers: IncomingHttpHeaders, accessToken?: string): Principal;
}

/** Admission of a new connection by client address; returns the function that gives the slot back. */
export interface ConnectionGate {
  acquire(ip: string): () => void;
}

/** Which browser origins may connect. */
export interface OriginCheck {
  allows(origin: string | undefined, host: string | undefined): boolean;
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
  readonly origins: OriginCheck;
  readonly clientIp: ClientAddress;
  readonly log: Logger;
  /** True once graceful shutdown began: new connections are refused with `shutting_down`. */
  shuttingDown(): boolean;
}
