import type { FastifyInstance } from 'fastify';
import type { Hub } from '../../core/hub.js';
import type { HealthReporter } from '../../sources/health/health-reporter.js';
import type { Metrics } from '../metrics.js';

/** What the probe routes need to know about the server. */
export interface ProbeInfo {
  readonly node: string;
  readonly version: string;
  readonly transports: readonly string[];
  readonly isShuttingDown: () => boolean;
  /** `readyz.requireSources`: an unhealthy source also makes `/readyz` answer 503. */
  readonly requireSources: boolean;
}

/**
 * `/healthz` (alive; `?verbose` adds every component's health), `/readyz` (bus ok and not shutting
 * down; sources only with `readyz.requireSources`), `/metrics`, `/api/v2/info`.
 *
 * Readiness leaves sources out by default: one Alertmanager outage would otherwise take every node
 * out of the load balancer at once, exactly when dashboards matter. Sources report on the `health`
 * topic and in `/healthz?verbose` instead.
 */
export function registerProbeRoutes(
  app: FastifyInstance,
  hub: Hub,
  health: HealthReporter,
  metrics: Metrics,
  info: ProbeInfo,
): void {
  const busBody = (): { kind: string; ok: boolean; detail?: string } => ({ kind: hub.busKind, ...hub.busHealth() });
  // The bus reports into the same table; readiness reads it from hub.busHealth() directly.
  const unhealthySources = (): string[] =>
    health
      .unhealthy()
      .filter((c) => c.component !== 'bus')
      .map((c) => c.component);
  // Probes and the scrape endpoint are public: orchestrators and Prometheus call them without a token.
  const open = { config: { access: 'public' as const } };
  app.get('/healthz', open, async (request) => {
    if (!('verbose' in (request.query as Record<string, unknown>))) return { status: 'ok' };
    return { status: 'ok', shuttingDown: info.isShuttingDown(), bus: busBody(), components: health.all() };
  });
  app.get('/readyz', open, async (_request, reply) => {
    const bus = busBody();
    const unhealthy = unhealthySources();
    const ready = bus.ok && !info.isShuttingDown() && (!info.requireSources || unhealthy.length === 0);
    return reply.status(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not_ready',
      shuttingDown: info.isShuttingDown(),
      bus,
      sources: { required: info.requireSources, unhealthy },
    });
  });
  app.get('/metrics', open, async (_request, reply) => {
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
