import type { FastifyInstance } from 'fastify';
import type { Hub } from '../../core/hub.js';
import { closeReasonFor } from '../../core/outbound.js';
import { LivegateError } from '../../errors.js';

/**
 * `GET /api/v2/connections` and `DELETE /api/v2/connections/:id`, for the connections of this node
 * (`node` names it: with several nodes, ask each one). Both are admin endpoints: the access check
 * lets loopback and `auth.writeAllowFrom` in while no credentials are configured, else an admin key,
 * token or `auth.adminToken`.
 */
export function registerConnectionRoutes(app: FastifyInstance, hub: Hub, node: string): void {
  const admin = { config: { access: 'admin' as const } };
  app.get('/api/v2/connections', admin, async () => {
    const connections = hub.sessionInfo();
    return { node, count: connections.length, connections };
  });
  app.delete<{ Params: { id: string } }>('/api/v2/connections/:id', admin, async (request, reply) => {
    const closed = hub.closeSession(request.params.id, closeReasonFor('closed_by_admin'));
    if (!closed)
      throw new LivegateError('not_found', `no connection "${request.params.id.slice(0, 64)}"`, { field: 'id' });
    return reply.status(204).send();
  });
}
