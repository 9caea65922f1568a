import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { envName, flagName, SETTINGS, type Config, type ConfigInput, type Setting } from './schema.js';

/** A configuration value that cannot be used; the message names the key and what it allows. */
export class ConfigError extends Error {
  readonly key: string;
  constructor(key: string, message: string) {
    super(`config ${key}: ${message}`);
    this.name = 'ConfigError';
    this.key = key;
  }
}

/** Where configuration comes from; later layers win: defaults < file < env < flags < overrides. */
export interface ConfigSources {
  /** Path of a YAML or JSON file. */
  file?: string;
  /** Environment; `LIVEGATE_*` and the aliases in the schema are read. */
  env?: NodeJS.ProcessEnv;
  /** Flags as `--key value` / `--key=value` pairs, already split from other arguments. */
  flags?: Readonly<Record<string, string>>;
  /** Programmatic values (tests, embedding). */
  overrides?: ConfigInput;
}

/** Builds the validated config. Throws {@link ConfigError} on the first bad value. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const values = new Map<string, unknown>();
  // Copy list defaults: the config is the caller's to change, the schema's defaults are not.
  for (const s of SETTINGS) values.set(s.key, Array.isArray(s.default) ? [...(s.default as unknown[])] : s.default);
  if (sources.file !== undefined) applyObject(values, readConfigFile(sources.file), 'file');
  if (sources.env !== undefined) {
    for (const s of SETTINGS) {
      for (const name of [...(s.envAliases ?? []), envName(s.key)]) {
        const raw = sources.env[name];
        if (raw !== undefined && raw !== '') values.set(s.key, coerce(s, raw, `${s.key} (env ${name})`));
      }
    }
  }
  if (sources.flags !== undefined) {
    const byFlag = new Map(SETTINGS.map((s) => [flagName(s.key), s]));
    for (const [flag, raw] of Object.entries(sources.flags)) {
      const setting = byFlag.get(flag);
      if (setting === undefined) throw new ConfigError(flag, `unknown flag; see --help for the list`);
      values.set(setting.key, coerce(setting, raw, `${setting.key} (flag ${flag})`));
    }
  }
  if (sources.overrides !== undefined) applyObject(values, sources.overrides, 'overrides');
  const config = build(values);
  crossCheck(config);
  return config;
}

/** Names of every flag `livegate serve` accepts. */
export function knownFlags(): Set<string> {
  return new Set(SETTINGS.map((s) => flagName(s.key)));
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('--config', `cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError('--config', `${path} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError('--config', `${path} must hold a mapping of keys`);
  return parsed as Record<string, unknown>;
}

function applyObject(values: Map<string, unknown>, input: object, origin: string): void {
  const byKey = new Map(SETTINGS.map((s) => [s.key, s]));
  const walk = (obj: Record<string, unknown>, prefix: string): void => {
    for (const [name, value] of Object.entries(obj)) {
      const key = prefix + name;
      const setting = byKey.get(key);
      if (setting !== undefined) {
        values.set(key, check(setting, value, `${key} (${origin})`));
      } else if (
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        SETTINGS.some((s) => s.key.startsWith(`${key}.`))
      ) {
        walk(value as Record<string, unknown>, `${key}.`);
      } else {
        const near = SETTINGS.map((s) => s.key).filter((k) => k.startsWith(prefix));
        throw new ConfigError(
          key,
          `unknown key (${origin}); known keys${prefix ? ` under ${prefix.slice(0, -1)}` : ''}: ${near.join(', ')}`,
        );
      }
    }
  };
  walk(input as Record<string, unknown>, '');
}

/** Parses a string from env or flags. */
function coerce(s: Setting, raw: string, where: string): unknown {
  switch (s.type) {
    case 'int':
    case 'number':
      if (!/^-?\d+(\.\d+)?$/.test(raw.trim())) throw new ConfigError(where, `"${raw}" is not a number${range(s)}`);
      return check(s, Number(raw), where);
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(where, `"${raw}" is not a boolean; use true or false`);
    case 'list':
      return check(
        s,
        raw
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x.length > 0),
        where,
      );
    case 'json':
      // The setting's parser reads its own text form (e.g. `name=url,…` or JSON).
      return check(s, raw, where);
    default:
      return check(s, raw, where);
  }
}

/** Checks a typed value against its setting. */
function check(s: Setting, value: unknown, where: string): unknown {
  switch (s.type) {
    case 'int':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value) || (s.type === 'int' && !Number.isInteger(value))) {
        throw new ConfigError(
          where,
          `${JSON.stringify(value)} is not ${s.type === 'int' ? 'an integer' : 'a number'}${range(s)}`,
        );
      }
      if ((s.min !== undefined && value < s.min) || (s.max !== undefined && value > s.max)) {
        throw new ConfigError(where, `${value} is out of range${range(s)}`);
      }
      return value;
    }
    case 'bool':
      if (typeof value !== 'boolean')
        throw new ConfigError(where, `${JSON.stringify(value)} is not a boolean; use true or false`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw new ConfigError(where, `${JSON.stringify(value)} is not a string`);
      return value;
    case 'enum':
      if (typeof value !== 'string' || !s.values!.includes(value)) {
        throw new ConfigError(where, `${JSON.stringify(value)} is not allowed; allowed: ${s.values!.join(', ')}`);
      }
      return value;
    case 'list': {
      if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) {
        throw new ConfigError(where, `must be a list of strings (comma-separated in env and flags)`);
      }
      if (s.values !== undefined) {
        for (const item of value) {
          if (!s.values.includes(item))
            throw new ConfigError(where, `"${item}" is not allowed; allowed: ${s.values.join(', ')}`);
        }
      }
      return [...new Set(value)];
    }
    case 'json': {
      const result = s.parse!(value, s.key);
      // Name the field inside the value: `alertmanagers[1].url (file)` rather than `alertmanagers (file)`.
      if (!result.ok)
        throw new ConfigError(`${result.error.field || s.key}${where.slice(s.key.length)}`, result.error.message);
      return result.value;
    }
  }
}

function range(s: Setting): string {
  if (s.min !== undefined && s.max !== undefined) return `; allowed: ${s.min} to ${s.max}`;
  return '';
}

function build(values: Map<string, unknown>): Config {
  const root: Record<string, unknown> = {};
  for (const [key, value] of values) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = value;
  }
  return root as unknown as Config;
}

function crossCheck(config: Config): void {
  if (config.transports.length === 0)
    throw new ConfigError('transports', 'at least one transport must be enabled; allowed: sse, ws, poll');
  if (config.poll.defaultTimeoutSeconds > config.poll.maxTimeoutSeconds) {
    throw new ConfigError(
      'poll.defaultTimeoutSeconds',
      `${config.poll.defaultTimeoutSeconds} exceeds poll.maxTimeoutSeconds (${config.poll.maxTimeoutSeconds})`,
    );
  }
  if (config.ws.idleTimeoutMs <= config.ws.pingIntervalMs) {
    throw new ConfigError(
      'ws.idleTimeoutMs',
      `must be greater than ws.pingIntervalMs (${config.ws.pingIntervalMs}) so a pong can arrive`,
    );
  }
  if (config.stats.intervalMs > 0 && config.stats.intervalMs < 100) {
    throw new ConfigError('stats.intervalMs', `${config.stats.intervalMs} is too short; use 0 (off) or 100 to 3600000`);
  }
  for (const proxy of config.trustedProxies) {
    const [addr, bits, extra] = proxy.split('/');
    const family = isIP(addr ?? '');
    const maxBits = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))
    ) {
      throw new ConfigError('trustedProxies', `"${proxy}" is not an IP address or CIDR (e.g. 10.0.0.0/8)`);
    }
  }
}
