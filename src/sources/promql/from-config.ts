/**
 * Builds the PromQL source from the `prometheus` and `metrics` config sections, reading the token,
 * password and CA files once at start (a missing file is a start-up error naming the key).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { Config } from '../../config/schema.js';
import type { PrometheusAuth } from './prometheus-client.js';
import { PromqlSource } from './promql-source.js';

function readKeyFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TypeError(`config ${key}: cannot read ${JSON.stringify(path)} (${(cause as Error).message})`, { cause });
  }
}

/** The source, or `null` when `prometheus.url` is empty (metric streams off). */
export function promqlSourceFromConfig(config: Config, registry?: Registry): PromqlSource | null {
  const { prometheus, metrics } = config;
  if (prometheus.url === '') return null;
  const { auth, tls } = prometheus;
  let credentials: PrometheusAuth | null = null;
  if (auth.bearerToken !== '' || auth.bearerTokenFile !== '') {
    const token =
      auth.bearerToken !== ''
        ? auth.bearerToken
        : readKeyFile(auth.bearerTokenFile, 'prometheus.auth.bearerTokenFile').trim();
    credentials = { kind: 'bearer', token };
  } else if (auth.username !== '') {
    const password =
      auth.passwordFile !== '' ? readKeyFile(auth.passwordFile, 'prometheus.auth.passwordFile').trim() : auth.password;
    credentials = { kind: 'basic', username: auth.username, password };
  }
  return new PromqlSource({
    prometheus: {
      url: prometheus.url,
      auth: credentials,
      ca: tls.caFile === '' ? null : readKeyFile(tls.caFile, 'prometheus.tls.caFile'),
      insecureSkipVerify: tls.insecureSkipVerify,
      timeoutMs: prometheus.timeoutMs,
      maxResponseBytes: prometheus.maxResponseBytes,
    },
    maxStreams: metrics.maxStreams,
    inactivityTimeoutMs: metrics.inactivityTimeoutMs,
    tenantLabel: metrics.tenantLabel,
    namespaces: metrics.namespaces,
    ...(registry ? { registry } : {}),
  });
}
