/**
 * The `alertmanagers` configuration: which Alertmanagers the watcher polls, how often, and with
 * which credentials and TLS settings. Checked once when the config is loaded, so a typo fails at
 * start-up with the field at fault (`alertmanagers[1].url`), never later in a poll.
 *
 * Two forms are accepted:
 * - a list of objects (config file, programmatic overrides, or JSON text in env/flags):
 *   `[{ name: prod, url: https://am.example:9093, intervalMs: 5000, auth: {…}, tls: {…} }]`;
 * - the short text form for env and flags: `prod=http://am-a:9093,dr=http://am-b:9093`.
 */
import {
  fail,
  fieldPath,
  isPlainObject,
  parseWith,
  readArray,
  readBoolean,
  readObject,
  readString,
  type ParseResult,
} from './validation.js';

/** Credentials sent with every request to one Alertmanager. Exactly one kind may be set. */
export interface AlertmanagerAuth {
  /** `Authorization: Bearer <token>`. */
  readonly bearerToken?: string;
  /** File holding the bearer token, re-read on every round (so a rotated token is picked up). */
  readonly bearerTokenFile?: string;
  /** Basic auth user; requires `password` or `passwordFile`. */
  readonly username?: string;
  readonly password?: string;
  /** File holding the basic-auth password, re-read on every round. */
  readonly passwordFile?: string;
}

/** TLS settings for an `https://` Alertmanager. */
export interface AlertmanagerTls {
  /** PEM file of the CA(s) that signed the Alertmanager's certificate. Defaults to Node's built-in CAs. */
  readonly caFile?: string;
  /** Accept any certificate (self-signed, wrong host). For tests only. Defaults to `false`. */
  readonly insecureSkipVerify?: boolean;
}

/** One watched Alertmanager, after validation and defaults. */
export interface AlertmanagerTarget {
  /** Short unique name: the event source is `alertmanager/<name>`, the health component too. */
  readonly name: string;
  /** Base URL, including any `--web.route-prefix`, without a trailing slash. */
  readonly url: string;
  /** Poll interval in ms. Defaults to 5,000; at least 500. */
  readonly intervalMs: number;
  /** Deadline of each request in ms. Defaults to the interval, capped at 10,000. */
  readonly timeoutMs: number;
  /**
   * The Alertmanager's `--web.external-url`, when it differs from `url`: a webhook whose
   * `externalURL` equals it (or `url`) triggers a round for this Alertmanager. Defaults to none.
   */
  readonly externalUrl?: string;
  readonly auth?: AlertmanagerAuth;
  readonly tls?: AlertmanagerTls;
}

/** What a config file or override may give for one Alertmanager (defaults not yet applied). */
export type AlertmanagerTargetInput = Partial<Pick<AlertmanagerTarget, 'intervalMs' | 'timeoutMs'>> &
  Omit<AlertmanagerTarget, 'intervalMs' | 'timeoutMs'>;

/** Defaults and bounds of an {@link AlertmanagerTarget}. */
export const ALERTMANAGER_TARGET_DEFAULTS = {
  intervalMs: 5_000,
  minIntervalMs: 500,
  maxIntervalMs: 3_600_000,
  maxTimeoutMs: 10_000,
  minTimeoutMs: 100,
  maxTargets: 64,
} as const;

/** Names: used in event sources, health components and the webhook's `?alertmanager=` parameter. */
export const ALERTMANAGER_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

const TARGET_KEYS = ['name', 'url', 'intervalMs', 'timeoutMs', 'externalUrl', 'auth', 'tls'];
const AUTH_KEYS = ['bearerToken', 'bearerTokenFile', 'username', 'password', 'passwordFile'];
const TLS_KEYS = ['caFile', 'insecureSkipVerify'];

function refuseUnknownKeys(obj: Record<string, unknown>, at: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(fieldPath(at, key), `unknown field; allowed: ${allowed.join(', ')}`);
  }
}

function readInt(value: unknown, at: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(at, `must be an integer from ${min} to ${max}`);
  if (value < min || value > max) fail(at, `${value} is out of range; allowed: ${min} to ${max}`);
  return value;
}

function readNonEmpty(value: unknown, at: string): string {
  const text = readString(value, at);
  if (text.trim() === '') fail(at, 'must not be empty');
  return text;
}

/** An http(s) base URL without credentials, query or fragment; returned without a trailing slash. */
function readBaseUrl(value: unknown, at: string): string {
  const text = readNonEmpty(value, at);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(at, `${JSON.stringify(text.slice(0, 100))} is not a URL; use e.g. http://alertmanager:9093`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(at, `must be an http:// or https:// URL (got ${url.protocol})`);
  if (url.username !== '' || url.password !== '')
    fail(at, 'must not contain credentials; use auth.username and auth.password');
  if (url.search !== '' || url.hash !== '') fail(at, 'must not contain a query or fragment');
  return url.href.replace(/\/+$/, '');
}

function readAuth(value: unknown, at: string): AlertmanagerAuth {
  const obj = readObject(value, at);
  refuseUnknownKeys(obj, at, AUTH_KEYS);
  const auth: Record<string, string> = {};
  for (const key of AUTH_KEYS)
    if (obj[key] !== undefined && obj[key] !== null) auth[key] = readNonEmpty(obj[key], fieldPath(at, key));
  const bearer = auth['bearerToken'] !== undefined || auth['bearerTokenFile'] !== undefined;
  const basic = auth['username'] !== undefined || auth['password'] !== undefined || auth['passwordFile'] !== undefined;
  if (auth['bearerToken'] !== undefined && auth['bearerTokenFile'] !== undefined)
    fail(fieldPath(at, 'bearerTokenFile'), 'set either bearerToken or bearerTokenFile, not both');
  if (bearer && basic) fail(at, 'set either a bearer token or basic auth (username and password), not both');
  if (basic) {
    if (auth['username'] === undefined) fail(fieldPath(at, 'username'), 'is required with password or passwordFile');
    if (auth['password'] === undefined && auth['passwordFile'] === undefined)
      fail(fieldPath(at, 'password'), 'is required with username (or give passwordFile)');
    if (auth['password'] !== undefined && auth['passwordFile'] !== undefined)
      fail(fieldPath(at, 'passwordFile'), 'set either password or passwordFile, not both');
  }
  if (!bearer && !basic) fail(at, 'must set bearerToken, bearerTokenFile, or username with password/passwordFile');
  return auth;
}

function readTls(value: unknown, at: string): AlertmanagerTls {
  const obj = readObject(value, at);
  refuseUnknownKeys(obj, at, TLS_KEYS);
  const tls: { caFile?: string; insecureSkipVerify?: boolean } = {};
  if (obj['caFile'] !== undefined && obj['caFile'] !== null)
    tls.caFile = readNonEmpty(obj['caFile'], fieldPath(at, 'caFile'));
  if (obj['insecureSkipVerify'] !== undefined && obj['insecureSkipVerify'] !== null) {
    tls.insecureSkipVerify = readBoolean(obj['insecureSkipVerify'], fieldPath(at, 'insecureSkipVerify'));
  }
  return tls;
}

function readTarget(value: unknown, at: string): AlertmanagerTarget {
  const obj = readObject(value, at);
  refuseUnknownKeys(obj, at, TARGET_KEYS);
  const nameAt = fieldPath(at, 'name');
  const name = readNonEmpty(obj['name'], nameAt);
  if (!ALERTMANAGER_NAME_PATTERN.test(name)) {
    fail(
      nameAt,
      `${JSON.stringify(name.slice(0, 80))} is not a valid name: 1–63 letters, digits, '_', '.', '-', starting with a letter or digit`,
    );
  }
  const url = readBaseUrl(obj['url'], fieldPath(at, 'url'));
  const d = ALERTMANAGER_TARGET_DEFAULTS;
  const intervalMs =
    obj['intervalMs'] === undefined || obj['intervalMs'] === null
      ? d.intervalMs
      : readInt(obj['intervalMs'], fieldPath(at, 'intervalMs'), d.minIntervalMs, d.maxIntervalMs);
  const timeoutMs =
    obj['timeoutMs'] === undefined || obj['timeoutMs'] === null
      ? Math.min(intervalMs, d.maxTimeoutMs)
      : readInt(obj['timeoutMs'], fieldPath(at, 'timeoutMs'), d.minTimeoutMs, 60_000);
  const target: { -readonly [K in keyof AlertmanagerTarget]: AlertmanagerTarget[K] } = {
    name,
    url,
    intervalMs,
    timeoutMs,
  };
  if (obj['externalUrl'] !== undefined && obj['externalUrl'] !== null)
    target.externalUrl = readBaseUrl(obj['externalUrl'], fieldPath(at, 'externalUrl'));
  if (obj['auth'] !== undefined && obj['auth'] !== null) target.auth = readAuth(obj['auth'], fieldPath(at, 'auth'));
  if (obj['tls'] !== undefined && obj['tls'] !== null) {
    target.tls = readTls(obj['tls'], fieldPath(at, 'tls'));
    if (!url.startsWith('https:')) fail(fieldPath(at, 'tls'), 'applies only to an https:// url');
  }
  return target;
}

/** `prod=http://a:9093,dr=http://b:9093` into objects; anything starting with `[` or `{` is JSON. */
function fromText(text: string, root: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      fail(root, `is not valid JSON: ${(err as Error).message}`);
    }
    return isPlainObject(parsed) ? [parsed] : parsed;
  }
  return trimmed.split(',').map((pair, i) => {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      fail(
        fieldPath(root, i),
        `${JSON.stringify(pair.trim().slice(0, 80))} is not name=url; write e.g. prod=http://alertmanager:9093`,
      );
    return { name: pair.slice(0, eq).trim(), url: pair.slice(eq + 1).trim() };
  });
}

/**
 * Validates the `alertmanagers` setting and applies defaults. `value` is a list of objects, or a
 * string in the text form (env, flags). Field paths in errors start with `root`, e.g.
 * `alertmanagers[1].auth.password`.
 */
export function parseAlertmanagerTargets(value: unknown, root = 'alertmanagers'): ParseResult<AlertmanagerTarget[]> {
  return parseWith(() => {
    const list = typeof value === 'string' ? fromText(value, root) : value;
    if (!Array.isArray(list)) fail(root, 'must be a list of {name, url, …} entries (or name=url,… in env and flags)');
    const items = readArray(list, root, ALERTMANAGER_TARGET_DEFAULTS.maxTargets);
    const targets = items.map((item, i) => readTarget(item, fieldPath(root, i)));
    const seen = new Set<string>();
    targets.forEach((t, i) => {
      if (seen.has(t.name))
        fail(fieldPath(fieldPath(root, i), 'name'), `${JSON.stringify(t.name)} is used twice; names must be unique`);
      seen.add(t.name);
    });
    return targets;
  });
}
