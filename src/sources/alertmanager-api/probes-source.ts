/**
 * Alertmanager's probe endpoints `GET /-/healthy` and `GET /-/ready` (plain text `OK`), which
 * Karma and Grafana's Alertmanager data source call. livegate is healthy while it runs and ready
 * once it listens (its own `/healthz` and `/readyz` tell more).
 */
import type { FastifyInstance } from 'fastify';
import type { Source, SourceRoutes } from '../source.js';

/** See the module comment. */
export class AlertmanagerProbesSource implements Source {
  readonly name = 'alertmanager-probes';
  readonly routes: SourceRoutes = { prefix: '/-', plugin: (app) => this.#register(app) };

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  #register(app: FastifyInstance): void {
    for (const path of ['/healthy', '/ready']) {
      app.get(path, { config: { access: 'public' } }, async (_request, reply) =>
        reply.type('text/plain; charset=utf-8').send('OK'),
      );
    }
  }
}
