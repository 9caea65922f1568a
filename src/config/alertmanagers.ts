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
import { z } from 'zod';
import { closedObject, isPlainObject, parseSchema, type ParseResult } from './validation.js';

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

const NAME_RULE = "1–63 letters, digits, '_', '.', '-', starting with a letter or digit";

/** A string that is not blank. */
const nonBlank = z.string().refine((text) => text.trim() !== '', 'must not be empty');

/** An integer from `min` to `max`. */
function intIn(min: number, max: number) {
  return z
    .number({ error: `must be an integer from ${min} to ${max}` })
    .int({ error: `must be an integer from ${min} to ${max}` })
    .min(min, { error: (issue) => `${String(issue.input)} is out of range; allowed: ${min} to ${max}` })
    .max(max, { error: (issue) => `${String(issue.input)} is out of range; allowed: ${min} to ${max}` });
}

/** An http(s) base URL without credentials, query or fragment; given back without a trailing slash. */
const baseUrl = nonBlank.transform((text, ctx) => {
  const refuse = (message: string): typeof z.NEVER => {
    ctx.issues.push({ code: 'custom', input: text, message });
    return z.NEVER;
  };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse(`${JSON.stringify(text.slice(0, 100))} is not a URL; use e.g. http://alertmanager:9093`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return refuse(`must be an http:// or https:// URL (got ${url.protocol})`);
  if (url.username !== '' || url.password !== '')
    return refuse('must not contain credentials; use auth.username and auth.password');
  if (url.search !== '' || url.hash !== '') return refuse('must not contain a query or fragment');
  return url.href.replace(/\/+$/, '');
});

/** Leaves out keys whose value is `undefined` (an optional field given as `null` or not at all). */
function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

const authSchema = closedObject({
  bearerToken: nonBlank.nullish(),
  bearerTokenFile: nonBlank.nullish(),
  username: nonBlank.nullish(),
  password: nonBlank.nullish(),
  passwordFile: nonBlank.nullish(),
}).transform((raw, ctx): AlertmanagerAuth => {
  const auth = defined({
    bearerToken: raw.bearerToken ?? undefined,
    bearerTokenFile: raw.bearerTokenFile ?? undefined,
    username: raw.username ?? undefined,
    password: raw.password ?? undefined,
    passwordFile: raw.passwordFile ?? undefined,
  });
  const refuse = (path: string[], message: string): typeof z.NEVER => {
    ctx.issues.push({ code: 'custom', input: raw, path, message });
    return z.NEVER;
  };
  const bearer = auth.bearerToken !== undefined || auth.bearerTokenFile !== undefined;
  const basic = auth.username !== undefined || auth.password !== undefined || auth.passwordFile !== undefined;
  if (auth.bearerToken !== undefined && auth.bearerTokenFile !== undefined)
    return refuse(['bearerTokenFile'], 'set either bearerToken or bearerTokenFile, not both');
  if (bearer && basic) return refuse([], 'set either a bearer token or basic auth (username and password), not both');
  if (basic) {
    if (auth.username === undefined) return refuse(['username'], 'is required with password or passwordFile');
    if (auth.password === undefined && auth.passwordFile === undefined)
      return refuse(['password'], 'is required with username (or give passwordFile)');
    if (auth.password !== undefined && auth.passwordFile !== undefined)
      return refuse(['passwordFile'], 'set either password or passwordFile, not both');
  }
  if (!bearer && !basic)
    return refuse([], 'must set bearerToken, bearerTokenFile, or username with password/passwordFile');
  return auth;
});

const tlsSchema = closedObject({ caFile: nonBlank.nullish(), insecureSkipVerify: z.boolean().nullish() }).transform(
  (raw): AlertmanagerTls =>
    defined({ caFile: raw.caFile ?? undefined, insecureSkipVerify: raw.insecureSkipVerify ?? undefined }),
);

const targetSchema = closedObject({
  name: nonBlank.refine((name) => ALERTMANAGER_NAME_PATTERN.test(name), {
    error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 80))} is not a valid name: ${NAME_RULE}`,
  }),
  url: baseUrl,
  intervalMs: intIn(ALERTMANAGER_TARGET_DEFAULTS.minIntervalMs, ALERTMANAGER_TARGET_DEFAULTS.maxIntervalMs).nullish(),
  timeoutMs: intIn(ALERTMANAGER_TARGET_DEFAULTS.minTimeoutMs, 60_000).nullish(),
  externalUrl: baseUrl.nullish(),
  auth: authSchema.nullish(),
  tls: tlsSchema.nullish(),
}).transform((raw, ctx): AlertmanagerTarget => {
  const d = ALERTMANAGER_TARGET_DEFAULTS;
  const intervalMs = raw.intervalMs ?? d.intervalMs;
  if (raw.tls != null && !raw.url.startsWith('https:')) {
    ctx.issues.push({ code: 'custom', input: raw, path: ['tls'], message: 'applies only to an https:// url' });
    return z.NEVER;
  }
  return defined({
    name: raw.name,
    url: raw.url,
    intervalMs,
    timeoutMs: raw.timeoutMs ?? Math.min(intervalMs, d.maxTimeoutMs),
    externalUrl: raw.externalUrl ?? undefined,
    auth: raw.auth ?? undefined,
    tls: raw.tls ?? undefined,
  });
});

/** `prod=http://a:9093,dr=http://b:9093` into objects; anything starting with `[` or `{` is JSON. */
function fromText(text: string, ctx: z.RefinementCtx): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      ctx.addIssue({ code: 'custom', input: text, message: `is not valid JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
    return isPlainObject(parsed) ? [parsed] : parsed;
  }
  const pairs = trimmed.split(',');
  const list: { name: string; url: string }[] = [];
  for (const [i, pair] of pairs.entries()) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      ctx.addIssue({
        code: 'custom',
        input: text,
        path: [i],
        message: `${JSON.stringify(pair.trim().slice(0, 80))} is not name=url; write e.g. prod=http://alertmanager:9093`,
      });
      return z.NEVER;
    }
    list.push({ name: pair.slice(0, eq).trim(), url: pair.slice(eq + 1).trim() });
  }
  return list;
}

/**
 * Schema of the `alertmanagers` setting: a list of entries, or its text form (env, flags), with
 * defaults applied and names unique.
 */
export const AlertmanagerTargetsSchema = z.preprocess(
  (value, ctx) => (typeof value === 'string' ? fromText(value, ctx) : value),
  z
    .array(targetSchema, {
      // Only for the type; the bound's issue keeps the common wording.
      error: (issue) =>
        issue.code === 'invalid_type'
          ? 'must be a list of {name, url, …} entries (or name=url,… in env and flags)'
          : undefined,
    })
    .max(ALERTMANAGER_TARGET_DEFAULTS.maxTargets)
    .superRefine((targets, ctx) => {
      const seen = new Set<string>();
      targets.forEach((t, i) => {
        if (seen.has(t.name))
          ctx.addIssue({
            code: 'custom',
            input: t.name,
            path: [i, 'name'],
            message: `${JSON.stringify(t.name)} is used twice; names must be unique`,
          });
        seen.add(t.name);
      });
    }),
);

/**
 * Validates the `alertmanagers` setting and applies defaults. `value` is a list of objects, or a
 * string in the text form (env, flags). Field paths in errors start with `root`, e.g.
 * `alertmanagers[1].auth.password`.
 */
export function parseAlertmanagerTargets(value: unknown, root = 'alertmanagers'): ParseResult<AlertmanagerTarget[]> {
  return parseSchema(AlertmanagerTargetsSchema, value, root);
}
