import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../core/principal.js';
import { sessionStream, type SourceStream } from '../core/source-stream.js';
import { LivegateError } from '../errors.js';
import type { TransportContext } from './context.js';
import { openSseStream } from './sse.js';

/**
 * The stream machinery handed to sources (`SourceContext.streams`): a source's own SSE URL gets the
 * same admission, heartbeats, bounded queue, slow-consumer cut-off and shutdown as the event stream.
 */
export class SourceStreamFactory {
  constructor(private readonly ctx: TransportContext) {}

  /** Origin and credentials of a request, checked as on every endpoint. */
  authenticate(request: FastifyRequest): Principal {
    const ctx = this.ctx;
    if (ctx.shuttingDown()) throw new LivegateError('shutting_down');
    if (!ctx.origins.allows(request.headers.origin)) throw new LivegateError('origin_not_allowed');
    return ctx.auth.principalOf(request);
  }

  /** Starts an SSE stream of named events on the request; see `SourceStreams.sse`. */
  sse(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { principal: Principal; onClose?: (reason: { code: string; message: string }) => void },
  ): SourceStream {
    const session = openSseStream(this.ctx, request, reply, { principal: options.principal, named: true });
    if (options.onClose !== undefined) session.onClose(options.onClose);
    this.ctx.log.debug({ connection: session.id, path: request.url.split('?')[0] }, 'source stream opened');
    return sessionStream(session);
  }
}
