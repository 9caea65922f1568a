import { pino } from 'pino';
import type { ConfigInput } from '../../src/config/schema.js';
import { startLivegate, type LivegateOptions, type LivegateServer } from '../../src/http/server.js';
import { testConfig } from './livegate.js';

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
  const config = testConfig(overrides, port);
  return startLivegate({ ...options, config, logger: pino({ level: config.log.level }) });
}
