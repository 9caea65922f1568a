import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startLivegate, type LivegateOptions, type LivegateServer } from '../../src/http/server.js';

/**
 * Starts livegate in-process on a free loopback port with a silent logger. Limits are raised so
 * tests from one address are not refused unless a test asks for the limits.
 */
export async function startTestServer(
  overrides: ConfigInput = {},
  options: Omit<LivegateOptions, 'config' | 'overrides'> = {},
): Promise<LivegateServer> {
  const config = loadConfig({
    overrides: {
      ...overrides,
      host: '127.0.0.1',
      port: 0,
      limits: { maxPerIp: 10_000, maxConnections: 10_000, ...overrides.limits },
      log: { level: process.env.LIVEGATE_TEST_LOG === '1' ? 'debug' : 'silent', ...overrides.log },
    },
  });
  return startLivegate({ ...options, config, logger: pino({ level: config.log.level }) });
}

/** POSTs drafts to the publish API and returns the ids. */
export async function publishEvents(
  server: { url: string },
  drafts: unknown,
  headers: Record<string, string> = {},
): Promise<string[]> {
  const res = await fetch(`${server.url}/api/v2/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(drafts),
  });
  const body = (await res.json()) as { ids?: string[] };
  if (res.status !== 202 || body.ids === undefined)
    throw new Error(`publish failed: ${res.status} ${JSON.stringify(body)}`);
  return body.ids;
}
