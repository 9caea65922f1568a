import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/schema.js';
import type { Hub } from '../../core/hub.js';
import { LivegateError } from '../../errors.js';
import { mayPublish } from '../../core/principal.js';
import { checkPublishNames } from '../../core/reserved-names.js';
import type { Metrics } from '../metrics.js';

/** `POST /api/v2/events`: one draft or an array of drafts → `202 {"ids":[…]}`. */
export function registerPublishRoute(app: FastifyInstance, hub: Hub, config: Config, metrics: Metrics): void {
  const options = { bodyLimit: config.publish.maxBodyBytes, config: { access: 'write' as const } };
  app.post('/api/v2/events', options, async (request, reply) => {
    try {
      const body = request.body;
      if (body === undefined || body === null || typeof body !== 'object') {
        throw new LivegateError('invalid_body', 'body must be an event draft object or an array of drafts', {
          field: 'body',
        });
      }
      if (Array.isArray(body)) {
        if (body.length === 0)
          throw new LivegateError('invalid_body', 'the array of drafts is empty', { field: 'body' });
        if (body.length > config.publish.maxEvents) {
          throw new LivegateError(
            'too_many_events',
            `at most ${config.publish.maxEvents} events per request, got ${body.length}`,
            { field: 'body' },
          );
        }
      }
      // The access check let the caller write at all; which topics it may write is in the body.
      const principal = request.principal!;
      const drafts: unknown[] = Array.isArray(body) ? body : [body];
      for (const [i, draft] of drafts.entries()) {
        const topic = (draft as { topic?: unknown } | null)?.topic;
        if (typeof topic === 'string' && !mayPublish(principal, topic)) {
          throw new LivegateError('forbidden', `${principal.id} may not publish to topic "${topic.slice(0, 80)}"`, {
            field: Array.isArray(body) ? `[${i}].topic` : 'topic',
          });
        }
        // State topics and the server's source names: only what the auth layer grants explicitly.
        checkPublishNames(hub.reserved, principal, draft, Array.isArray(body) ? `[${i}].` : '');
      }
      const ids = await hub.publish(body);
      metrics.publishRequests.inc({ result: 'accepted' });
      return reply.status(202).send({ ids });
    } catch (err) {
      metrics.publishRequests.inc({ result: 'rejected' });
      throw err;
    }
  });
}
