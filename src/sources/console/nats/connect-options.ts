/**
 * Turns the console's NATS settings into `nats` client connection options: servers, one way to
 * authenticate (user/password, token, NKey seed or creds file) and TLS (CA, client certificate).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from 'nats';
import { checkNatsSettings, type NatsConnectionSettings } from '../../../config/nats-settings.js';

export { checkNatsSettings, type NatsConnectionSettings, type NatsTlsOptions } from '../../../config/nats-settings.js';

/**
 * The `nats` connection options for these settings: reconnects forever (the console reports the
 * outage as health and catches up after; the platform retries the first connection itself), and
 * pings often enough that a silent server is noticed within a few seconds.
 *
 * @throws TypeError when {@link checkNatsSettings} finds a problem or a file cannot be read.
 */
export function natsConnectionOptions(settings: NatsConnectionSettings): ConnectionOptions {
  const problem = checkNatsSettings(settings);
  if (problem) throw new TypeError(`console.nats.${problem.field}: ${problem.message}`);
  const options: ConnectionOptions = {
    servers: [...settings.servers],
    name: settings.name ?? 'livegate-console',
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    timeout: 2_000,
    pingInterval: 2_000,
    maxPingOut: 2,
  };
  if (settings.user) Object.assign(options, { user: settings.user, pass: settings.password });
  if (settings.token) options.token = settings.token;
  if (settings.nkeySeed) options.authenticator = nkeyAuthenticator(new TextEncoder().encode(settings.nkeySeed));
  if (settings.credsFile) options.authenticator = credsAuthenticator(readFile(settings.credsFile, 'credsFile'));
  const tls = settings.tls;
  if (tls && (tls.caFile || tls.certFile)) {
    options.tls = {
      ...(tls.caFile ? { ca: readFile(tls.caFile, 'tls.caFile').toString('utf8') } : {}),
      ...(tls.certFile ? { cert: readFile(tls.certFile, 'tls.certFile').toString('utf8') } : {}),
      ...(tls.keyFile ? { key: readFile(tls.keyFile, 'tls.keyFile').toString('utf8') } : {}),
    };
  }
  return options;
}

function readFile(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TypeError(`console.nats.${field}: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}
