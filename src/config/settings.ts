/**
 * The leaves of the config schema as a flat list: dotted key, kind, default, bounds, doc. Derived
 * from the zod schemas, never written by hand, so env names, flags, `--help` and the generated
 * docs/configuration.md follow the sections automatically.
 */
import type { z } from 'zod';

/**
 * Kinds of value a key can hold. `json` is a structured value (a list of objects) with its own
 * schema; env and flags give it as text that the schema also reads.
 */
export type SettingType = 'int' | 'number' | 'bool' | 'string' | 'list' | 'enum' | 'json';

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
  /** What the reference shows as "range / allowed" when the bounds alone do not say it. */
  readonly allowed?: string;
  /** One-letter alias of the flag for `livegate serve` (`p` → `-p` for `--port`). */
  readonly short?: string;
  /** The leaf's zod schema (with its default): validates one value from one source. */
  readonly schema: z.ZodType;
}

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

/** What a leaf's `.meta({…})` may hold. */
export interface LeafMeta {
  readonly description?: string;
  readonly envAliases?: readonly string[];
  readonly allowed?: string;
  /** One-letter flag alias (`p` for `-p`); for the few keys set by hand all the time. */
  readonly short?: string;
}

/** The zod internals read here (stable in zod 4: `def.type`, `def.innerType`, `def.defaultValue`). */
interface Inspectable {
  readonly def: { readonly type: string; readonly innerType?: Inspectable; readonly defaultValue?: unknown };
  readonly shape?: Record<string, Inspectable>;
  readonly element?: Inspectable;
  readonly options?: readonly string[];
  readonly minValue?: number | null;
  readonly maxValue?: number | null;
  readonly format?: string | null;
  meta(): LeafMeta | undefined;
}

/** Walks an object shape; nested objects (wrapped in `prefault`/`default`) become dotted keys. */
export function describeLeaves(shape: Record<string, z.ZodType>, prefix = ''): Setting[] {
  const out: Setting[] = [];
  for (const [name, zschema] of Object.entries(shape)) {
    const key = prefix + name;
    const schema = zschema as unknown as Inspectable;
    const inner = unwrap(schema);
    if (inner.def.type === 'object' && inner.shape !== undefined) {
      out.push(...describeLeaves(inner.shape as unknown as Record<string, z.ZodType>, `${key}.`));
      continue;
    }
    if (schema.def.type !== 'default') throw new Error(`config key ${key} needs a .default(…) before .meta(…)`);
    const meta = schema.meta();
    if (meta?.description === undefined) throw new Error(`config key ${key} needs .meta({ description })`);
    out.push({
      key,
      ...kindOf(inner),
      default: schema.def.defaultValue,
      doc: meta.description,
      ...(meta.envAliases === undefined ? {} : { envAliases: meta.envAliases }),
      ...(meta.allowed === undefined ? {} : { allowed: meta.allowed }),
      ...(meta.short === undefined ? {} : { short: meta.short }),
      schema: zschema,
    });
  }
  return out;
}

function unwrap(schema: Inspectable): Inspectable {
  let s = schema;
  while ((s.def.type === 'default' || s.def.type === 'prefault' || s.def.type === 'optional') && s.def.innerType)
    s = s.def.innerType;
  return s;
}

function kindOf(s: Inspectable): Pick<Setting, 'type' | 'min' | 'max' | 'values'> {
  const bounds = {
    ...(typeof s.minValue === 'number' && Number.isFinite(s.minValue) && s.minValue > Number.MIN_SAFE_INTEGER
      ? { min: s.minValue }
      : {}),
    ...(typeof s.maxValue === 'number' && Number.isFinite(s.maxValue) && s.maxValue < Number.MAX_SAFE_INTEGER
      ? { max: s.maxValue }
      : {}),
  };
  switch (s.def.type) {
    case 'number':
      return { type: s.format === 'safeint' ? 'int' : 'number', ...bounds };
    case 'boolean':
      return { type: 'bool' };
    case 'string':
      return { type: 'string' };
    case 'enum':
      return { type: 'enum', values: s.options ?? [] };
    case 'array': {
      const item = s.element === undefined ? undefined : unwrap(s.element);
      if (item?.def.type === 'string') return { type: 'list' };
      if (item?.def.type === 'enum') return { type: 'list', values: item.options ?? [] };
      return { type: 'json' };
    }
    default:
      return { type: 'json' };
  }
}
