import type { Hub } from '../core/hub.js';
import type { Session } from '../core/session.js';

/**
 * Sends a `heartbeat` on a session that wrote nothing for `intervalMs`, on the session's
 * `heartbeat` timer. Active sessions skip it: their own events prove the connection lives. Used by
 * SSE (`sse.heartbeatMs`) and WebSocket (`ws.pingIntervalMs`).
 */
export function startHeartbeat(hub: Hub, session: Session, intervalMs: number): void {
  const tick = (): void => {
    if (session.state !== 'open') return;
    const idleFor = session.idleMs(hub.now());
    if (idleFor >= intervalMs - 1) {
      session.control('heartbeat', heartbeatData(hub, session));
      session.setTimer('heartbeat', intervalMs, tick);
    } else {
      session.setTimer('heartbeat', intervalMs - idleFor, tick);
    }
  };
  session.setTimer('heartbeat', intervalMs, tick);
}

/**
 * Heartbeat payload: the time and, when the core says there is one, the position the client may
 * safely resume from (see `safeResumePosition` in `core/resume.ts`). The heartbeat is queued behind
 * any undelivered events, so the client sees it after them.
 */
export function heartbeatData(hub: Hub, session: Session): Record<string, unknown> {
  const time = new Date().toISOString();
  const lastEventId = hub.resumePosition(session);
  return lastEventId === null ? { time } : { time, lastEventId };
}
