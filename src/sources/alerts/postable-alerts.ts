/**
 * Validation of the body Prometheus posts to Alertmanager (`POST /api/v2/alerts`, a JSON array of
 * `postableAlert`), so a Prometheus can use livegate as an Alertmanager.
 *
 * Differences from Alertmanager, on purpose: the whole request is refused on the first invalid
 * alert (Alertmanager stores the valid ones and answers 400 listing the others), so a caller never
 * has to guess what was kept; and label names must follow the classic rule
 * `[a-zA-Z_][a-zA-Z0-9_]*` because they become event labels. Prometheus never sends anything this
 * refuses.
 */
import type { Labels } from '../../core/event.js';
import { MAX_LABEL_NAME_LENGTH, MAX_LABEL_VALUE_LENGTH, MAX_LABELS } from '@livegate/protocol';
import { z } from 'zod';
import { optionalTime, parseSchema, stringMap, type ParseResult } from '../../config/validation.js';

/** Most alerts accepted in one request. */
export const MAX_POSTABLE_ALERTS = 10_000;

/**
 * Labels of an alert: the publish API's limits (64 labels, names ≤ 128 chars, values ≤ 1024), since
 * they become event labels. The ingest took 10,000 labels and 100 KB values before.
 */
export const ALERT_LABEL_LIMITS = {
  maxEntries: MAX_LABELS,
  maxNameLength: MAX_LABEL_NAME_LENGTH,
  maxValueLength: MAX_LABEL_VALUE_LENGTH,
} as const;

/** Most annotations of one alert, and their longest value (a runbook text fits; a file does not). */
export const MAX_ANNOTATIONS = 64;
export const MAX_ANNOTATION_VALUE_LENGTH = 8192;

/** {@link MAX_ANNOTATIONS} and {@link MAX_ANNOTATION_VALUE_LENGTH} as `stringMap` options. */
export const ALERT_ANNOTATION_LIMITS = {
  maxEntries: MAX_ANNOTATIONS,
  maxValueLength: MAX_ANNOTATION_VALUE_LENGTH,
} as const;

/** Longest `generatorURL`. */
export const MAX_GENERATOR_URL_LENGTH = 4096;

/** One alert as received, before the store applies defaults. Times are epoch milliseconds. */
export interface PostableAlert {
  /** Non-empty; labels with an empty value are already removed (Prometheus: empty equals absent). */
  readonly labels: Labels;
  readonly annotations: Labels;
  /** Absent when not sent, `null`, `''` or Go's zero time. */
  readonly startsAt?: number;
  /** Absent when not sent, `null`, `''` or Go's zero time: the alert then resolves by timeout. */
  readonly endsAt?: number;
  /** `''` when not sent. */
  readonly generatorURL: string;
}

/** Options of {@link parsePostableAlerts}. */
export interface PostableAlertsOptions {
  /** Most alerts accepted in one body. Defaults to {@link MAX_POSTABLE_ALERTS}. */
  readonly maxAlerts?: number;
}

const postableAlert = z
  .object({
    labels: z
      .unknown()
      .optional()
      .refine((v): boolean => v !== undefined && v !== null, { message: 'is required', abort: true })
      .pipe(stringMap({ labelNames: true, dropEmptyValues: true, ...ALERT_LABEL_LIMITS }))
      .refine((labels) => Object.keys(labels).length > 0, 'must hold at least one label with a non-empty value'),
    annotations: stringMap({ optional: true, ...ALERT_ANNOTATION_LIMITS }),
    startsAt: optionalTime,
    endsAt: optionalTime,
    generatorURL: z
      .string()
      .max(MAX_GENERATOR_URL_LENGTH, {
        error: (issue) => `is ${(issue.input as string).length} chars; max ${MAX_GENERATOR_URL_LENGTH}`,
      })
      .nullish()
      .transform((url) => url ?? ''),
  })
  .transform(({ labels, annotations, startsAt, endsAt, generatorURL }, ctx): PostableAlert => {
    if (startsAt !== undefined && endsAt !== undefined && endsAt < startsAt) {
      ctx.issues.push({ code: 'custom', input: endsAt, path: ['endsAt'], message: 'must not be before startsAt' });
      return z.NEVER;
    }
    const alert: { -readonly [K in keyof PostableAlert]: PostableAlert[K] } = { labels, annotations, generatorURL };
    if (startsAt !== undefined) alert.startsAt = startsAt;
    if (endsAt !== undefined) alert.endsAt = endsAt;
    return alert;
  });

/** Schemas by `maxAlerts` (one or two values in practice), built once. */
const schemas = new Map<number, z.ZodType<PostableAlert[]>>();

function schemaFor(maxAlerts: number): z.ZodType<PostableAlert[]> {
  let schema = schemas.get(maxAlerts);
  if (schema === undefined) {
    schema = z
      .array(postableAlert, {
        // Only for the type; the bound's issue keeps the common wording.
        error: (issue) => (issue.code === 'invalid_type' ? 'body must be a JSON array of alerts' : undefined),
      })
      .max(maxAlerts);
    schemas.set(maxAlerts, schema);
  }
  return schema;
}

/**
 * Parses a `POST /api/v2/alerts` body (already JSON-decoded).
 *
 * @returns the alerts, or the first error with its field, e.g.
 *   `{ field: '[2].labels.alertname', message: 'must be a string' }`. Unknown fields are ignored.
 */
export function parsePostableAlerts(body: unknown, options: PostableAlertsOptions = {}): ParseResult<PostableAlert[]> {
  return parseSchema(schemaFor(options.maxAlerts ?? MAX_POSTABLE_ALERTS), body);
}
