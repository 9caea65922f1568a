import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConnectionLimiter } from './connection-limiter.js';
import type { SocketGuard, SocketRefusal } from './socket-guard.js';

/**
 * Metrics of the server's edges, where a client could exhaust it: raw sockets, the connection
 * limiter's own counts (checked against `livegate_connections` in tests: a leaked slot shows as a
 * difference), and background tasks that threw.
 */
export class EdgeMetrics {
  private readonly refused: Counter<'reason'>;
  private readonly failures: Counter<'task'>;

  constructor(registry: Registry, limiter: ConnectionLimiter, sockets: SocketGuard) {
    const registers = [registry];
    new Gauge({
      name: 'livegate_sockets_open',
      help: 'Open TCP sockets of the HTTP server (every transport, keep-alive and refused sockets until they close).',
      registers,
      collect() {
        this.set(sockets.size);
      },
    });
    this.refused = new Counter({
      name: 'livegate_sockets_refused_total',
      help: 'TCP sockets refused on accept: total (sockets.max, answered 503), per_ip (sockets.maxPerIp, answered 429), dropped (far beyond sockets.max, closed by Node without an answer).',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of ['total', 'per_ip', 'dropped']) this.refused.inc({ reason }, 0);
    new Gauge({
      name: 'livegate_connection_slots',
      help: 'Connection slots held in the limiter (limits.maxConnections); equals the sum of livegate_connections when nothing leaks.',
      registers,
      collect() {
        this.set(limiter.size);
      },
    });
    new Gauge({
      name: 'livegate_connection_slot_addresses',
      help: 'Client addresses holding at least one connection slot (limits.maxPerIp is counted per address).',
      registers,
      collect() {
        this.set(limiter.addresses);
      },
    });
    this.failures = new Counter({
      name: 'livegate_task_failures_total',
      help: 'Background tasks (timers and callbacks of sources and the server) that threw; each is also logged. The timer wheel counts in livegate_timer_task_failures_total.',
      labelNames: ['task'],
      registers,
    });
  }

  /** Counts a refused socket. */
  socketRefused(reason: SocketRefusal): void {
    this.refused.inc({ reason });
  }

  /** Counts a background task that threw (`task` is one of a fixed set of names in the code). */
  taskFailed(task: string): void {
    this.failures.inc({ task });
  }
}
