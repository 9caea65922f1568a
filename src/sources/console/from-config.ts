/**
 * Builds the console source from the `console` config section: off (`null`) while
 * `console.nats.servers` is empty, else one {@link ConsoleSource} on a {@link NatsPlatform}. Key
 * and creds files are read here, at start, so a missing file is a start-up error naming the key.
 *
 * @module
 */
import type { Config } from '../../config/schema.js';
import { ConsoleSource } from './console-source.js';
import { natsConnectionOptions } from './nats/connect-options.js';
import { NatsPlatform } from './nats/nats-platform.js';
import type { ConsoleTelemetry } from './telemetry.js';

/** The console source, or `null` when `console.nats.servers` is empty. */
export function consoleSourceFromConfig(config: Config, telemetry?: ConsoleTelemetry): ConsoleSource | null {
  const section = config.console;
  const { nats } = section;
  if (nats.servers.length === 0) return null;
  const optional = (value: string): string | undefined => (value === '' ? undefined : value);
  const connection = natsConnectionOptions({
    servers: nats.servers,
    ...(nats.user === '' ? {} : { user: nats.user, password: nats.password }),
    ...(nats.token === '' ? {} : { token: nats.token }),
    ...(nats.nkeySeed === '' ? {} : { nkeySeed: nats.nkeySeed }),
    ...(nats.credsFile === '' ? {} : { credsFile: nats.credsFile }),
    tls: {
      ...(optional(nats.tls.caFile) === undefined ? {} : { caFile: nats.tls.caFile }),
      ...(optional(nats.tls.certFile) === undefined ? {} : { certFile: nats.tls.certFile }),
      ...(optional(nats.tls.keyFile) === undefined ? {} : { keyFile: nats.tls.keyFile }),
    },
    name: `livegate-console/${section.cluster}`,
  });
  const platform = new NatsPlatform({
    connection,
    ...(nats.monitorUrl === '' ? {} : { monitorUrl: nats.monitorUrl }),
  });
  return new ConsoleSource(platform, {
    cluster: section.cluster,
    metricsIntervalMs: section.metricsIntervalMs,
    reconcileIntervalMs: section.reconcileMs,
    canary: section.canary,
    lagAlertThreshold: section.lagAlertThreshold,
    maxRequestsPerRound: section.maxRequestsPerRound,
    telemetry,
  });
}
