import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { startTestServer } from '../harness/livegate.js';

describe('security headers', () => {
  let server: LivegateServer;
  beforeAll(async () => {
    server = await startTestServer({ stats: { intervalMs: 0 } });
  });
  afterAll(() => server.close());

  const expectHeaders = (res: Response) => {
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  };

  it('are on answers, errors, not-found answers and event streams', async () => {
    for (const path of ['/healthz', '/api/v2/info', '/nope', '/api/v2/events/poll?timeout=0&topics=Bad%20Topic']) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expectHeaders(res);
    }
    const controller = new AbortController();
    const stream = await fetch(`${server.url}/api/v2/events/stream`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    expectHeaders(stream);
    controller.abort();
  });

  it('leave the dashboard its own strict CSP', async () => {
    const res = await fetch(`${server.url}/`);
    await res.arrayBuffer();
    // `npm run build` (part of every landing) builds the dashboard first.
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
