/**
 * Small, allocation-light readers for untrusted JSON (request bodies, Alertmanager answers) that
 * name the offending field on failure, e.g. `[2].labels.alertname`.
 *
 * The readers throw an internal signal that {@link parseWith} turns into a {@link ParseResult};
 * callers of the public parse functions never see an exception for bad input.
 */
import type { Labels } from '../core/event.js';
import { GO_ZERO_TIME_MS, LABEL_NAME_PATTERN, parseRfc3339 } from '@livegate/protocol';

/** Where a payload is wrong and why. `field` is a path such as `[2].labels.alertname`; `''` is the root. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Outcome of parsing untrusted input: the typed value, or the first error found. */
export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: FieldError };

class InvalidField {
  constructor(readonly error: FieldError) {}
}

/** Aborts the current {@link parseWith} run with a field error. */
export function fail(field: string, message: string): never {
  throw new InvalidField({ field, message });
}

/** Runs `read`, turning a {@link fail} inside it into `{ ok: false }`. Other exceptions propagate. */
export function parseWith<T>(read: () => T): ParseResult<T> {
  try {
    return { ok: true, value: read() };
  } catch (err) {
    if (err instanceof InvalidField) return { ok: false, error: err.error };
    throw err;
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends an index or key to a field path: `[2]`, `.labels`, `["foo-bar"]`. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** True for a non-null, non-array object (what `JSON.parse` gives for `{…}`). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a JSON object. */
export function readObject(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) fail(field, 'must be an object');
  return value;
}

/** Reads a JSON array of at most `max` items. */
export function readArray(value: unknown, field: string, max = Infinity): unknown[] {
  if (!Array.isArray(value)) fail(field, 'must be an array');
  if (value.length > max) fail(field, `must not hold more than ${max} items (got ${value.length})`);
  return value;
}

/** Reads a string; `undefined`/`null` yield `fallback` when one is given. */
export function readString(value: unknown, field: string, fallback?: string): string {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  if (typeof value !== 'string') fail(field, 'must be a string');
  return value;
}

/** Reads a boolean; `undefined`/`null` yield `fallback` when one is given. */
export function readBoolean(value: unknown, field: string, fallback?: boolean): boolean {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  if (typeof value !== 'boolean') fail(field, 'must be a boolean');
  return value;
}

/** Reads one of the given string literals. */
export function readEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  }
  return value as T;
}

/** Reads an array of strings; `null`/`undefined` read as `[]` (Go marshals a nil slice as `null`). */
export function readStringArray(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  const items = readArray(value, field);
  return items.map((item, i) => readString(item, fieldPath(field, i)));
}

/** Options of {@link readStringMap}. */
export interface StringMapOptions {
  /** Require Prometheus' classic label name rule for keys. Defaults to `false` (any non-empty key). */
  readonly labelNames?: boolean;
  /** Leave out entries whose value is `''` (Prometheus: an empty label equals an absent one). Defaults to `false`. */
  readonly dropEmptyValues?: boolean;
  /** Read `null`/`undefined` as `{}`. Defaults to `false`. */
  readonly optional?: boolean;
}

/**
 * Reads a `{ name: "value" }` map. The result is built with `Object.fromEntries` so that a key
 * such as `__proto__` stays an own property instead of changing the prototype.
 */
export function readStringMap(value: unknown, field: string, options: StringMapOptions = {}): Labels {
  if ((value === undefined || value === null) && options.optional === true) return {};
  const obj = readObject(value, field);
  const entries: [string, string][] = [];
  for (const [name, raw] of Object.entries(obj)) {
    const at = fieldPath(field, name);
    if (name === '') fail(at, 'name must not be empty');
    if (options.labelNames === true && !LABEL_NAME_PATTERN.test(name)) {
      fail(at, 'invalid label name: must match [a-zA-Z_][a-zA-Z0-9_]*');
    }
    if (typeof raw !== 'string') fail(at, 'must be a string');
    if (raw === '' && options.dropEmptyValues === true) continue;
    entries.push([name, raw]);
  }
  return Object.fromEntries(entries);
}

/** Reads a required RFC 3339 time as epoch milliseconds. */
export function readTime(value: unknown, field: string): number {
  if (typeof value !== 'string') fail(field, 'must be an RFC 3339 date-time string');
  const ms = parseRfc3339(value);
  if (ms === undefined) fail(field, `must be an RFC 3339 date-time (got ${JSON.stringify(value.slice(0, 40))})`);
  return ms;
}

/**
 * Reads an optional RFC 3339 time. Absent, `null`, `''` and Go's zero time
 * (`0001-01-01T00:00:00Z`) all mean "not set", as they do for Alertmanager.
 */
export function readOptionalTime(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = readTime(value, field);
  return ms <= GO_ZERO_TIME_MS ? undefined : ms;
}
