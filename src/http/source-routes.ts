import type { FastifyInstance } from 'fastify';
import type { Source, SourceContext } from '../sources/source.js';

/**
 * Registers a source's routes as a Fastify plugin under the source's own prefix, so its paths are
 * relative (`/stream` under `/api/v1/metrics`) and it inherits the server's error handling, content
 * type parsers and CORS. A no-op for a source without routes.
 */
export async function registerSourceRoutes(app: FastifyInstance, source: Source, ctx: SourceContext): Promise<void> {
  const routes = source.routes;
  if (routes === undefined) return;
  if (!routes.prefix.startsWith('/') || routes.prefix.endsWith('/'))
    throw new TypeError(`source "${source.name}": routes.prefix must start with "/" and not end with one`);
  await app.register(
    async (scope) => {
      await routes.plugin(scope, ctx);
    },
    { prefix: routes.prefix },
  );
}
