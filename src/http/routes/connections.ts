import type { FastifyInstance } from 'fastify';
import type { Hub } from '../../core/hub.js';
import { LivegateError } from '../../errors.js';
import { requireAdmin, type Authenticator } from '../auth.js';

/**
 * `GET /api/v2/connections` and `DELETE /api/v2/connections/:id`, for the connections of this node
 * (`node` names it: with several nodes, ask each one).
 */
export function registerConnectionRoutes(app: FastifyInstance, hub: Hub, auth: Authenticator, node: string): void {
  app.get('/api/v2/connections', async (request) => {
    requireAdmin(auth.authenticate(request.headers));
    const connections = hub.sessionInfo();
    return { node, count: connections.length, connections };
  });
  app.delete<{ Params: { id: string } }>('/api/v2/connections/:id', async (request, reply) => {
    requireAdmin(auth.authenticate(request.headers));
    const closed = hub.closeSession(request.params.id, {
      code: 'closed_by_admin',
      message: 'connection closed by an administrator',
      wsCode: 4010,
    });
    if (!closed)
      throw new LivegateError('not_found', `no connection "${request.params.id.slice(0, 64)}"`, { field: 'id' });
    return reply.status(204).send();
  });
}
