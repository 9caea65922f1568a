/**
 * Checking untrusted JSON (request bodies, Alertmanager answers, structured config values) with
 * errors that name the offending field, e.g. `[2].labels.alertname` or `alertmanagers[1].url`.
 *
 * Shapes are zod schemas run by {@link parseSchema}, which returns a {@link ParseResult} whose
 * `field` is the exact path of the first issue and whose message is short and plain
 * (`must be a string`, `must be one of "firing", "resolved"`). The building blocks below
 * ({@link rfc3339Time}, {@link stringMap}, …) carry the shared rules from `@livegate/protocol`:
 * one RFC 3339 grammar, one label-name rule.
 *
 * Callers of the parse functions never see an exception for bad input.
 */
import { z } from 'zod';
import type { Labels } from '../core/event.js';
import {
  formatTime,
  GO_ZERO_TIME_MS,
  isValidLabelName,
  LABEL_NAME_PATTERN,
  LABEL_NAME_RULE,
  MAX_LABEL_NAME_LENGTH,
  parseRfc3339,
} from '@livegate/protocol';

/** Where a payload is wrong and why. `field` is a path such as `[2].labels.alertname`; `''` is the root. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Outcome of parsing untrusted input: the typed value, or the first error found. */
export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: FieldError };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends an index or key to a field path: `[2]`, `.labels`, `["foo-bar"]`. */
function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** True for a non-null, non-array object (what `JSON.parse` gives for `{…}`). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Wording of zod's generic issues, so every schema reports `must be a string`, `must be an
 * object`, `must be one of "a", "b"` rather than zod's default sentences. Messages a schema sets
 * itself (`{ error: … }`, refinements) take precedence.
 */
const plainMessages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      return `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_big':
      if (issue.origin === 'array' && Array.isArray(issue.input))
        return `must not hold more than ${issue.maximum} items (got ${issue.input.length})`;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return `must be at most ${issue.maximum}`;
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      if (issue.origin === 'array') return `must hold at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `must be at least ${issue.minimum} characters`;
      return `must be at least ${issue.minimum}`;
    case 'unrecognized_keys': {
      const inst = issue.inst as { shape?: Record<string, unknown> } | undefined;
      const keys = issue.keys.map((k) => JSON.stringify(k.slice(0, 64))).join(', ');
      const allowed = inst?.shape === undefined ? '' : `; allowed: ${Object.keys(inst.shape).join(', ')}`;
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${keys}${allowed}`;
    }
    default:
      return undefined;
  }
};

const PARSE_PARAMS = { error: plainMessages } as const;

/**
 * Checks `input` against `schema`.
 *
 * @param root prefix of the reported field paths (`alertmanagers` gives `alertmanagers[1].url`);
 *   defaults to `''`, the input itself.
 * @returns the schema's output, or the first issue as a {@link FieldError} naming the exact field
 *   (`[3].labels.alertname`, `alerts[0].startsAt`). Unknown keys of a `z.strictObject` are named
 *   by the object, the message lists them; a {@link closedObject} names the key itself.
 */
export function parseSchema<S extends z.ZodType>(schema: S, input: unknown, root = ''): ParseResult<z.output<S>> {
  const result = schema.safeParse(input, PARSE_PARAMS);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  let field = root;
  for (const key of issue.path) field = fieldPath(field, typeof key === 'number' ? key : String(key));
  return { ok: false, error: { field, message: issue.message } };
}

/** Epoch ms of an RFC 3339 string; otherwise adds the issue (`must be an RFC 3339 date-time …`) and gives `undefined`. */
function checkRfc3339(value: unknown, ctx: z.RefinementCtx): number | undefined {
  if (typeof value !== 'string') {
    ctx.addIssue({ code: 'custom', input: value, message: 'must be an RFC 3339 date-time string' });
    return undefined;
  }
  const ms = parseRfc3339(value);
  if (ms === undefined) {
    const message = `must be an RFC 3339 date-time (got ${JSON.stringify(value.slice(0, 40))})`;
    ctx.addIssue({ code: 'custom', input: value, message });
  }
  return ms;
}

function rfc3339(format: (ms: number) => number | string) {
  return z.string({ error: 'must be an RFC 3339 date-time string' }).transform((text, ctx) => {
    const ms = checkRfc3339(text, ctx);
    return ms === undefined ? z.NEVER : format(ms);
  });
}

/**
 * An object that refuses keys it does not declare, naming the unknown key as the field
 * (`alertmanagers[0].intervalMS: unknown field; allowed: name, url, …`).
 */
export function closedObject<S extends z.ZodRawShape>(shape: S) {
  // Not `z.never()`: zod treats that catchall as `strictObject`, which names the object instead.
  const unknownField = z.unknown().refine(() => false, `unknown field; allowed: ${Object.keys(shape).join(', ')}`);
  return z.object(shape).catchall(unknownField);
}

/** An RFC 3339 date-time string (the grammar of `@livegate/protocol`'s `parseRfc3339`), as epoch ms. */
export const rfc3339Time = rfc3339((ms) => ms) as z.ZodType<number, string>;

/**
 * An RFC 3339 date-time normalised to UTC with milliseconds (`2099-01-01T00:00:00.000+02:00` →
 * `2098-12-31T22:00:00.000Z`); Go's zero time stays `0001-01-01T00:00:00.000Z`. One transform,
 * not a pipe after {@link rfc3339Time}: it runs three times per alert of a 10,000-alert answer.
 */
export const utcTime = rfc3339(formatTime) as z.ZodType<string, string>;

/**
 * An optional RFC 3339 date-time as epoch ms. Absent, `null`, `''` and Go's zero time
 * (`0001-01-01T00:00:00Z`) all read as `undefined` ("not set"), as they do for Alertmanager.
 */
export const optionalTime = z
  .unknown()
  .optional()
  .transform((value, ctx): number | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    const ms = checkRfc3339(value, ctx);
    if (ms === undefined) return z.NEVER;
    return ms <= GO_ZERO_TIME_MS ? undefined : ms;
  });

/** A string; absent or `null` read as `fallback` (Go omits empty fields or writes `null`). */
export function stringOr(fallback: string) {
  return z
    .string()
    .nullish()
    .transform((v) => v ?? fallback);
}

/** A boolean; absent or `null` read as `fallback`. */
export function booleanOr(fallback: boolean) {
  return z
    .boolean()
    .nullish()
    .transform((v) => v ?? fallback);
}

/** A list of strings; absent or `null` read as `[]` (Go marshals a nil slice as `null`). */
export const stringList = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);

/** Options of {@link stringMap}. */
export interface StringMapOptions {
  /** Require the label-name rule of `@livegate/protocol` for keys. Defaults to `false` (any non-empty key). */
  readonly labelNames?: boolean;
  /** Leave out entries whose value is `''` (Prometheus: an empty label equals an absent one). Defaults to `false`. */
  readonly dropEmptyValues?: boolean;
  /** Read absent or `null` as `{}`. Defaults to `false`. */
  readonly optional?: boolean;
  /** Most entries. Defaults to no limit. */
  readonly maxEntries?: number;
  /** Longest name. Defaults to no limit. */
  readonly maxNameLength?: number;
  /** Longest value. Defaults to no limit. */
  readonly maxValueLength?: number;
}

/** Why a map holds too many entries for {@link StringMapOptions.maxEntries}, or `null`. */
function countProblem(options: StringMapOptions, count: number): string | null {
  return options.maxEntries !== undefined && count > options.maxEntries
    ? `must not hold more than ${options.maxEntries} entries (got ${count})`
    : null;
}

/** Why one entry breaks {@link StringMapOptions.maxNameLength} or `maxValueLength`, or `null`. */
function entryProblem(options: StringMapOptions, name: string, raw: string): string | null {
  if (options.maxNameLength !== undefined && name.length > options.maxNameLength) {
    return `name is ${name.length} chars; max ${options.maxNameLength}`;
  }
  if (options.maxValueLength !== undefined && raw.length > options.maxValueLength) {
    return `is ${raw.length} chars; max ${options.maxValueLength}`;
  }
  return null;
}

/**
 * A `{ name: "value" }` map (labels, annotations). Not `z.record`: the result is built with
 * `Object.fromEntries`, so that a key such as `__proto__` stays an own property instead of being
 * dropped (or changing the prototype).
 */
export function stringMap(options: StringMapOptions = {}) {
  const { labelNames = false, dropEmptyValues = false, optional = false } = options;
  // `.optional()` lets an absent key reach the transform (which then decides), instead of zod's
  // own "nonoptional" issue.
  return z
    .unknown()
    .optional()
    .transform((value, ctx): Labels => {
      if ((value === undefined || value === null) && optional) return {};
      if (!isPlainObject(value)) {
        ctx.issues.push({ code: 'custom', input: value, message: 'must be an object' });
        return z.NEVER;
      }
      const entries: [string, string][] = [];
      const tooMany = countProblem(options, Object.keys(value).length);
      if (tooMany !== null) {
        ctx.issues.push({ code: 'custom', input: value, message: tooMany });
        return z.NEVER;
      }
      for (const name in value) {
        if (!Object.hasOwn(value, name)) continue;
        const raw = value[name];
        let message: string | undefined;
        if (name === '') message = 'name must not be empty';
        else if (labelNames && !isValidLabelName(name)) message = labelNameMessage(name);
        else if (typeof raw !== 'string') message = 'must be a string';
        else message = entryProblem(options, name, raw) ?? undefined;
        if (message !== undefined) {
          // A hostile name may be huge: the field shows its first 64 characters.
          ctx.issues.push({ code: 'custom', input: raw, path: [name.slice(0, 64)], message });
          return z.NEVER;
        }
        if (raw === '' && dropEmptyValues) continue;
        entries.push([name, raw as string]);
      }
      return Object.fromEntries(entries);
    });
}

function labelNameMessage(name: string): string {
  return LABEL_NAME_PATTERN.test(name)
    ? `invalid label name: at most ${MAX_LABEL_NAME_LENGTH} characters`
    : 'invalid label name: must match [a-zA-Z_][a-zA-Z0-9_]*';
}

/** A label name by the one rule of `@livegate/protocol` (`isValidLabelName`). */
export function labelName(message = `must be a label name: ${LABEL_NAME_RULE}`) {
  return z.string().refine(isValidLabelName, message);
}
