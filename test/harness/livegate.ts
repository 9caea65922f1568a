import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import { startLivegate, type LivegateOptions, type LivegateServer } from '../../src/http/server.js';

/**
 * Starts livegate in-process on a free loopback port with a silent logger. Limits (connections
 * and rates) are raised or off so tests from one address are not refused unless a test asks for them.
 */
export async function startTestServer(
  overrides: ConfigInput = {},
  options: Omit<LivegateOptions, 'config' | 'overrides'> = {},
): Promise<LivegateServer> {
  const config = testConfig(overrides, 0);
  return startLivegate({ ...options, config, logger: pino({ level: config.log.level }) });
}

/** The config of a test server on loopback `port`: `overrides` over raised limits and a silent log. */
export function testConfig(overrides: ConfigInput, port: number): Config {
  return loadConfig({
    overrides: {
      ...overrides,
      host: '127.0.0.1',
      port,
      limits: {
        maxPerIp: 10_000,
        maxConnections: 10_000,
        connectsPerSecond: 0,
        publishesPerSecond: 0,
        ...overrides.limits,
      },
      ws: { maxMessagesPerSecond: 0, ...overrides.ws },
      log: { level: process.env.LIVEGATE_TEST_LOG === '1' ? 'debug' : 'silent', ...overrides.log },
    },
  });
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
