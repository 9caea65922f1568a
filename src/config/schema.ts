/**
 * The configuration schema: one table of keys, each with its type, default, bounds and doc. The
 * loader, the validator, `--help` and the table in docs/operations.md all read this one table, so they
 * cannot disagree.
 */

import { parseAlertmanagerTargets, type AlertmanagerTarget, type AlertmanagerTargetInput } from './alertmanagers.js';

/**
 * Kinds of value a key can hold. `json` is a structured value (a list of objects) checked by the
 * setting's own {@link Setting.parse}; env and flags give it as text that `parse` also reads.
 */
export type SettingType = 'int' | 'number' | 'bool' | 'string' | 'list' | 'enum' | 'json';

/** Outcome of {@link Setting.parse}: the normalised value, or the field at fault (`alertmanagers[1].url`). */
export type SettingParseResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: { readonly field: string; readonly message: string } };

/** One configuration key. */
export interface Setting {
  /** Dotted path in the config file, e.g. `limits.maxPerIp`. */
  readonly key: string;
  readonly type: SettingType;
  readonly default: unknown;
  readonly doc: string;
  readonly min?: number;
  readonly max?: number;
  /** Allowed values for `enum`, or allowed items for `list` when set. */
  readonly values?: readonly string[];
  /** Extra env var names accepted besides the derived `LIVEGATE_…` one. */
  readonly envAliases?: readonly string[];
  /** For `json`: validates a value (structured, or text from env/flags) and applies defaults. */
  readonly parse?: (value: unknown, key: string) => SettingParseResult;
}

const MiB = 1024 * 1024;

/** Every configuration key livegate knows. */
export const SETTINGS: readonly Setting[] = [
  { key: 'host', type: 'string', default: '0.0.0.0', doc: 'Address to listen on.', envAliases: ['HOST'] },
  {
    key: 'port',
    type: 'int',
    default: 8080,
    min: 0,
    max: 65535,
    doc: 'TCP port (0 picks a free one).',
    envAliases: ['PORT'],
  },
  {
    key: 'transports',
    type: 'list',
    default: ['sse', 'ws', 'poll'],
    values: ['sse', 'ws', 'poll'],
    doc: 'Enabled transports.',
  },
  { key: 'bus.kind', type: 'enum', default: 'memory', values: ['memory'], doc: 'Event bus implementation.' },
  {
    key: 'replay.maxEvents',
    type: 'int',
    default: 10_000,
    min: 1,
    max: 10_000_000,
    doc: 'Most events kept for resume.',
  },
  {
    key: 'replay.maxBytes',
    type: 'int',
    default: 64 * MiB,
    min: 1024,
    max: 64 * 1024 * MiB,
    doc: 'Most envelope bytes kept for resume.',
  },
  {
    key: 'queue.maxEvents',
    type: 'int',
    default: 256,
    min: 1,
    max: 1_000_000,
    doc: 'Per-connection queue bound in events; overflow disconnects the slow consumer.',
  },
  {
    key: 'queue.maxBytes',
    type: 'int',
    default: 1 * MiB,
    min: 1024,
    max: 1024 * MiB,
    doc: 'Per-connection queue bound in bytes (queued plus socket-buffered).',
  },
  {
    key: 'limits.maxConnections',
    type: 'int',
    default: 10_000,
    min: 1,
    max: 10_000_000,
    doc: 'Most concurrent connections (503 beyond).',
  },
  {
    key: 'limits.maxPerIp',
    type: 'int',
    default: 10,
    min: 1,
    max: 10_000_000,
    doc: 'Most concurrent connections per client address (429 beyond).',
  },
  {
    key: 'limits.maxSubscriptions',
    type: 'int',
    default: 32,
    min: 1,
    max: 10_000,
    doc: 'Most subscriptions on one WebSocket.',
  },
  {
    key: 'limits.retryAfterSeconds',
    type: 'int',
    default: 5,
    min: 1,
    max: 3600,
    doc: 'Retry-After sent with 429/503 answers.',
  },
  { key: 'trustedProxies', type: 'list', default: [], doc: 'Peers (IPs or CIDRs) whose X-Forwarded-For is believed.' },
  {
    key: 'cors.origins',
    type: 'list',
    default: [],
    doc: 'Allowed browser origins besides same-origin and localhost; `*` allows any.',
  },
  {
    key: 'sse.heartbeatMs',
    type: 'int',
    default: 30_000,
    min: 100,
    max: 3_600_000,
    doc: 'Heartbeat interval on idle SSE connections.',
  },
  {
    key: 'sse.retryMs',
    type: 'int',
    default: 2_000,
    min: 0,
    max: 3_600_000,
    doc: 'Reconnect delay sent in the SSE `retry:` line.',
  },
  {
    key: 'ws.pingIntervalMs',
    type: 'int',
    default: 54_000,
    min: 100,
    max: 3_600_000,
    doc: 'WebSocket protocol ping interval; also the `heartbeat` op interval on idle WebSocket connections.',
  },
  {
    key: 'ws.idleTimeoutMs',
    type: 'int',
    default: 60_000,
    min: 200,
    max: 3_600_000,
    doc: 'A WebSocket peer silent this long is dropped.',
  },
  {
    key: 'ws.maxPayloadBytes',
    type: 'int',
    default: 512 * 1024,
    min: 1024,
    max: 64 * MiB,
    doc: 'Largest incoming WebSocket message.',
  },
  {
    key: 'poll.defaultTimeoutSeconds',
    type: 'int',
    default: 25,
    min: 0,
    max: 3600,
    doc: 'Long-poll wait when `timeout` is not given.',
  },
  {
    key: 'poll.maxTimeoutSeconds',
    type: 'int',
    default: 60,
    min: 0,
    max: 3600,
    doc: 'Longest long-poll wait a client may ask for.',
  },
  {
    key: 'publish.maxBodyBytes',
    type: 'int',
    default: 512 * 1024,
    min: 1024,
    max: 64 * MiB,
    doc: 'Largest publish request body.',
  },
  {
    key: 'publish.maxEvents',
    type: 'int',
    default: 1000,
    min: 1,
    max: 100_000,
    doc: 'Most events in one publish request.',
  },
  {
    key: 'auth.adminToken',
    type: 'string',
    default: '',
    doc: 'When set, publishing and the connections API require `Authorization: Bearer <token>`.',
  },
  {
    key: 'stats.intervalMs',
    type: 'int',
    default: 10_000,
    min: 0,
    max: 3_600_000,
    doc: 'Interval of `stats_updated` events on the `stats` topic; 0 turns them off (minimum otherwise 100).',
  },
  {
    key: 'alertmanagers',
    type: 'json',
    default: [],
    parse: (value, key) => parseAlertmanagerTargets(value, key),
    doc:
      'Alertmanagers to watch through API v2. Each entry: name, url, intervalMs (poll interval; defaults to 5000, at least 500), ' +
      'timeoutMs (defaults to the interval, at most 10000), externalUrl (matches webhooks; defaults to none), ' +
      'auth {bearerToken | bearerTokenFile | username with password | passwordFile}, tls {caFile, insecureSkipVerify (defaults to false)}. ' +
      'In env and flags: name=url,name2=url2 or JSON text. Defaults to none.',
  },
  {
    key: 'alerts.ingest',
    type: 'bool',
    default: true,
    doc: 'Serve the Alertmanager-compatible ingest POST /api/v2/alerts, so Prometheus can send alerts straight to livegate. Defaults to true.',
  },
  {
    key: 'alerts.resolveTimeoutMs',
    type: 'int',
    default: 300_000,
    min: 1_000,
    max: 86_400_000,
    doc: "How long an ingested alert without endsAt stays firing without being re-sent (Alertmanager's resolve_timeout). Defaults to 300000 (5 m).",
  },
  {
    key: 'demo',
    type: 'bool',
    default: false,
    doc: 'Publish synthetic demo alerts and silences (labelled demo="true", source demo) that fire, get silenced and resolve. Defaults to false.',
  },
  {
    key: 'shutdown.timeoutMs',
    type: 'int',
    default: 10_000,
    min: 0,
    max: 600_000,
    doc: 'Longest graceful shutdown before exit.',
  },
  {
    key: 'log.level',
    type: 'enum',
    default: 'info',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    doc: 'Log level.',
    envAliases: ['LOG_LEVEL'],
  },
];

/** The validated configuration. */
export interface Config {
  host: string;
  port: number;
  transports: ('sse' | 'ws' | 'poll')[];
  bus: { kind: 'memory' };
  replay: { maxEvents: number; maxBytes: number };
  queue: { maxEvents: number; maxBytes: number };
  limits: { maxConnections: number; maxPerIp: number; maxSubscriptions: number; retryAfterSeconds: number };
  trustedProxies: string[];
  cors: { origins: string[] };
  sse: { heartbeatMs: number; retryMs: number };
  ws: { pingIntervalMs: number; idleTimeoutMs: number; maxPayloadBytes: number };
  poll: { defaultTimeoutSeconds: number; maxTimeoutSeconds: number };
  publish: { maxBodyBytes: number; maxEvents: number };
  auth: { adminToken: string };
  stats: { intervalMs: number };
  alertmanagers: AlertmanagerTarget[];
  alerts: { ingest: boolean; resolveTimeoutMs: number };
  demo: boolean;
  shutdown: { timeoutMs: number };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
}

/** A config as written in a file or passed programmatically: any subset of keys, nested. */
export type ConfigInput = {
  [K in keyof Config]?: K extends 'alertmanagers'
    ? AlertmanagerTargetInput[] | string
    : Config[K] extends unknown[]
      ? Config[K]
      : Config[K] extends object
        ? Partial<Config[K]>
        : Config[K];
};

/** `LIVEGATE_LIMITS_MAX_PER_IP` for `limits.maxPerIp`. */
export function envName(key: string): string {
  return `LIVEGATE_${key
    .replace(/\./g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()}`;
}

/** `--limits-max-per-ip` for `limits.maxPerIp`. */
export function flagName(key: string): string {
  return `--${key
    .replace(/\./g, '-')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()}`;
}
