import type { FastifyInstance } from 'fastify';
import type { Hub } from '../../core/hub.js';
import type { HealthReporter } from '../../sources/health/health-reporter.js';
import type { Metrics } from '../metrics.js';

/** `/healthz` (alive), `/readyz` (bus and sources healthy), `/metrics`, `/api/v2/info`. */
export function registerProbeRoutes(
  app: FastifyInstance,
  hub: Hub,
  health: HealthReporter,
  metrics: Metrics,
  info: { node: string; version: string; transports: readonly string[]; isShuttingDown: () => boolean },
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const bus = hub.busHealth();
    const unhealthy = health.unhealthy();
    const ready = bus.ok && unhealthy.length === 0 && !info.isShuttingDown();
    return reply.status(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not_ready',
      shuttingDown: info.isShuttingDown(),
      bus: { kind: hub.busKind, ...bus },
      components: health.all(),
    });
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  app.get('/api/v2/info', async () => ({
    name: 'livegate',
    node: info.node,
    version: info.version,
    epoch: hub.epoch,
    head: hub.head,
    bus: hub.busKind,
    transports: info.transports,
    stateTopics: hub.stateTopics,
    window: hub.windowInfo(),
  }));
}
