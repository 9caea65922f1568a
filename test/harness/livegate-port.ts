import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startLivegate, type LivegateOptions, type LivegateServer } from '../../src/http/server.js';

/**
 * Starts livegate in-process on a given loopback port, like `startTestServer` but with the port
 * fixed: for tests that stop a server and start another where browsers expect it (restart).
 * Pick the port with `freePort()`.
 */
export async function startTestServerOnPort(
  port: number,
  overrides: ConfigInput = {},
  options: Omit<LivegateOptions, 'config' | 'overrides'> = {},
): Promise<LivegateServer> {
  const config = loadConfig({
    overrides: {
      ...overrides,
      host: '127.0.0.1',
      port,
      limits: { maxPerIp: 10_000, maxConnections: 10_000, ...overrides.limits },
      log: { level: process.env.LIVEGATE_TEST_LOG === '1' ? 'debug' : 'silent', ...overrides.log },
    },
  });
  return startLivegate({ ...options, config, logger: pino({ level: config.log.level }) });
}
