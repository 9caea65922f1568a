import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Hub } from '../core/hub.js';
import type { Session } from '../core/session.js';
import type { Authenticator } from '../http/auth.js';
import type { ClientIpResolver } from '../http/client-ip.js';
import type { ConnectionLimiter } from '../http/connection-limiter.js';
import type { OriginPolicy } from '../http/origin-policy.js';

/** What every transport handler needs from the server; built once in `http/server.ts`. */
export interface TransportContext {
  readonly hub: Hub;
  readonly config: Config;
  readonly limiter: ConnectionLimiter;
  readonly auth: Authenticator;
  readonly origins: OriginPolicy;
  readonly clientIp: ClientIpResolver;
  readonly log: Logger;
  /** True once graceful shutdown began: new connections are refused with `shutting_down`. */
  shuttingDown(): boolean;
}

/**
 * Sends a heartbeat on a session that wrote nothing for `intervalMs`, on the hub's timer wheel.
 * Active sessions skip it: their own events prove the connection lives.
 */
export function scheduleHeartbeat(ctx: TransportContext, session: Session, intervalMs: number): void {
  const tick = (): void => {
    if (session.state !== 'open') return;
    const idleFor = performance.now() - session.lastWriteMono;
    if (idleFor >= intervalMs - 1) {
      session.control('heartbeat', heartbeatData(ctx, session));
      session.heartbeatTimer = ctx.hub.timers.schedule(intervalMs, tick);
    } else {
      session.heartbeatTimer = ctx.hub.timers.schedule(intervalMs - idleFor, tick);
    }
  };
  session.heartbeatTimer = ctx.hub.timers.schedule(intervalMs, tick);
}

/**
 * Heartbeat payload. While every subscription of the session is live, everything up to the hub's
 * head has been delivered or filtered out for it, so the head is a safe resume point: an idle
 * client with a narrow filter keeps a position inside the window instead of drifting out of it.
 * The heartbeat is queued behind any undelivered events, so the client sees it after them.
 */
export function heartbeatData(ctx: TransportContext, session: Session): Record<string, unknown> {
  // A catching-up subscription, or one holding a partial batch, has not had everything up to the head.
  for (const sub of session.subscriptions.values())
    if (sub.mode !== 'live' || sub.pending.length > 0) return { time: new Date().toISOString() };
  return session.subscriptions.size === 0
    ? { time: new Date().toISOString() }
    : { time: new Date().toISOString(), lastEventId: ctx.hub.head };
}
