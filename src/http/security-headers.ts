import type { FastifyInstance } from 'fastify';

/**
 * Headers sent on every response (API, streams, errors, the dashboard): no MIME sniffing, no
 * framing, no referrer, and a CSP that lets an API answer run nothing if it is ever opened as a
 * page. The dashboard replaces the CSP with its own strict one. With TLS on, HSTS as well.
 */
export function securityHeaders(tls: boolean): Readonly<Record<string, string>> {
  return Object.freeze({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    ...(tls ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  });
}

/**
 * Sets {@link securityHeaders} on every reply as the request arrives, so streams that take over the
 * raw response (SSE) and error answers carry them too.
 */
export function installSecurityHeaders(app: FastifyInstance, tls: boolean): void {
  const headers = securityHeaders(tls);
  // Callback style, as the other per-request hooks: an async hook costs a promise and a
  // microtask turn on every request, publishes included.
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}
