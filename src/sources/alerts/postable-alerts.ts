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
import {
  fail,
  fieldPath,
  parseWith,
  readArray,
  readObject,
  readOptionalTime,
  readString,
  readStringMap,
  type ParseResult,
} from '../../config/validation.js';

/** Most alerts accepted in one request. */
export const MAX_POSTABLE_ALERTS = 10_000;

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

function readAlert(value: unknown, at: string): PostableAlert {
  const obj = readObject(value, at);
  const labelsAt = fieldPath(at, 'labels');
  if (obj['labels'] === undefined || obj['labels'] === null) fail(labelsAt, 'is required');
  const labels = readStringMap(obj['labels'], labelsAt, { labelNames: true, dropEmptyValues: true });
  if (Object.keys(labels).length === 0) {
    fail(labelsAt, 'must hold at least one label with a non-empty value');
  }
  const annotations = readStringMap(obj['annotations'], fieldPath(at, 'annotations'), { optional: true });
  const startsAt = readOptionalTime(obj['startsAt'], fieldPath(at, 'startsAt'));
  const endsAt = readOptionalTime(obj['endsAt'], fieldPath(at, 'endsAt'));
  if (startsAt !== undefined && endsAt !== undefined && endsAt < startsAt) {
    fail(fieldPath(at, 'endsAt'), 'must not be before startsAt');
  }
  const generatorURL = readString(obj['generatorURL'], fieldPath(at, 'generatorURL'), '');
  const alert: { -readonly [K in keyof PostableAlert]: PostableAlert[K] } = { labels, annotations, generatorURL };
  if (startsAt !== undefined) alert.startsAt = startsAt;
  if (endsAt !== undefined) alert.endsAt = endsAt;
  return alert;
}

/**
 * Parses a `POST /api/v2/alerts` body (already JSON-decoded).
 *
 * @returns the alerts, or the first error with its field, e.g.
 *   `{ field: '[2].labels.alertname', message: 'must be a string' }`. Unknown fields are ignored.
 */
export function parsePostableAlerts(body: unknown, options: PostableAlertsOptions = {}): ParseResult<PostableAlert[]> {
  const max = options.maxAlerts ?? MAX_POSTABLE_ALERTS;
  return parseWith(() => {
    if (!Array.isArray(body)) fail('', 'body must be a JSON array of alerts');
    const items = readArray(body, '', max);
    return items.map((item, i) => readAlert(item, fieldPath('', i)));
  });
}
