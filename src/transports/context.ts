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
      session.control('heartbeat', { time: new Date().toISOString() });
      session.heartbeatTimer = ctx.hub.timers.schedule(intervalMs, tick);
    } else {
      session.heartbeatTimer = ctx.hub.timers.schedule(intervalMs - idleFor, tick);
    }
  };
  session.heartbeatTimer = ctx.hub.timers.schedule(intervalMs, tick);
}
