/**
 * Loads the configuration: defaults < file < env < flags < overrides. Every value is checked
 * against its leaf's zod schema as its layer is applied (so an error names the layer: `(file)`,
 * `(env LIVEGATE_…)`, `(flag --…)`), then the merged config is parsed by the root schema, which
 * applies defaults and runs the sections' cross-checks.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, envName, flagName, SETTINGS, type Config, type ConfigInput, type Setting } from './schema.js';

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

const BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));
const BY_FLAG = new Map(SETTINGS.map((s) => [flagName(s.key), s]));

/** Builds the validated config. Throws {@link ConfigError} on the first bad value. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const values = new Map<string, unknown>();
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
    for (const [flag, raw] of Object.entries(sources.flags)) {
      const setting = BY_FLAG.get(flag);
      if (setting === undefined) throw new ConfigError(flag, `unknown flag; see --help for the list`);
      values.set(setting.key, coerce(setting, raw, `${setting.key} (flag ${flag})`));
    }
  }
  if (sources.overrides !== undefined) applyObject(values, sources.overrides, 'overrides');
  const result = ConfigSchema.safeParse(nest(values));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(pathText(issue.path), issue.message);
  }
  return result.data;
}

/** Names of every flag `livegate serve` accepts. */
export function knownFlags(): Set<string> {
  return new Set(BY_FLAG.keys());
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
  const walk = (obj: Record<string, unknown>, prefix: string): void => {
    for (const [name, value] of Object.entries(obj)) {
      const key = prefix + name;
      const setting = BY_KEY.get(key);
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

/** Parses a string from env or flags into the leaf's type, then checks it. */
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
    default:
      // Strings, enums, and `json` keys whose schema reads its own text form (`name=url,…` or JSON).
      return check(s, raw, where);
  }
}

/** Checks one value against its leaf schema; the error says what the key allows. */
function check(s: Setting, value: unknown, where: string): unknown {
  const result = s.schema.safeParse(value);
  if (result.success) return s.type === 'list' ? [...new Set(result.data as string[])] : result.data;
  const issue = result.error.issues[0]!;
  const shown = JSON.stringify(value);
  switch (s.type) {
    case 'int':
    case 'number':
      if (issue.code === 'too_small' || issue.code === 'too_big')
        throw new ConfigError(where, `${value as number} is out of range${range(s)}`);
      throw new ConfigError(where, `${shown} is not ${s.type === 'int' ? 'an integer' : 'a number'}${range(s)}`);
    case 'bool':
      throw new ConfigError(where, `${shown} is not a boolean; use true or false`);
    case 'string':
      throw new ConfigError(where, `${shown} is not a string`);
    case 'enum':
      throw new ConfigError(where, `${shown} is not allowed; allowed: ${s.values!.join(', ')}`);
    case 'list': {
      const index = issue.path[0];
      if (issue.code === 'invalid_value' && typeof index === 'number' && Array.isArray(value))
        throw new ConfigError(where, `"${String(value[index])}" is not allowed; allowed: ${s.values!.join(', ')}`);
      throw new ConfigError(where, `must be a list of strings (comma-separated in env and flags)`);
    }
    case 'json': {
      // Name the field inside the value: `alertmanagers[1].url (file)` rather than `alertmanagers (file)`.
      const inner = (issue as z.core.$ZodIssueCustom).params?.['field'];
      const field = typeof inner === 'string' ? inner : pathText(issue.path);
      const sep = field === '' || field.startsWith('[') ? '' : '.';
      throw new ConfigError(`${s.key}${sep}${field}${where.slice(s.key.length)}`, issue.message);
    }
  }
}

function range(s: Setting): string {
  if (s.min !== undefined && s.max !== undefined) return `; allowed: ${s.min} to ${s.max}`;
  return '';
}

/** `['alertmanagers', 1, 'url']` → `alertmanagers[1].url`. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function nest(values: Map<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of values) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = value;
  }
  return root;
}
