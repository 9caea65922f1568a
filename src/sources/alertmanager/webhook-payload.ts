/**
 * Validation of the body Alertmanager's webhook receiver posts (payload version `"4"`), received
 * on `POST /api/v2/webhooks/alertmanager` to trigger an immediate watch round.
 *
 * Alertmanager writes Go's zero time `0001-01-01T00:00:00Z` as `endsAt` of firing alerts; it is
 * kept as `0001-01-01T00:00:00.000Z` (times are normalised to UTC with milliseconds).
 */
import type { Labels } from '../../core/event.js';
import {
  fail,
  fieldPath,
  parseWith,
  readArray,
  readEnum,
  readObject,
  readString,
  readStringMap,
  readTime,
  type ParseResult,
} from '../../config/validation.js';
import { formatTime } from '@livegate/protocol';

/** The only payload version this parser accepts. */
export const WEBHOOK_VERSION = '4';

/** Most alerts accepted in one payload (Alertmanager's `max_alerts` truncates before that). */
export const MAX_WEBHOOK_ALERTS = 10_000;

/** Firing or resolved, for the group and for each alert. */
export type WebhookStatus = 'firing' | 'resolved';

/** One alert of a webhook payload. */
export interface WebhookAlert {
  readonly status: WebhookStatus;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAt: string;
  /** `0001-01-01T00:00:00.000Z` while firing. */
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** An Alertmanager webhook notification, version 4. */
export interface WebhookPayload {
  readonly version: typeof WEBHOOK_VERSION;
  /** Identifies the alert group (`{}:{alertname="DiskFull"}`). */
  readonly groupKey: string;
  /** Alerts left out because of the receiver's `max_alerts`; 0 when absent. */
  readonly truncatedAlerts: number;
  readonly status: WebhookStatus;
  readonly receiver: string;
  readonly groupLabels: Labels;
  readonly commonLabels: Labels;
  readonly commonAnnotations: Labels;
  /** The sending Alertmanager's external URL; tells which watched Alertmanager to poll. */
  readonly externalURL: string;
  readonly alerts: readonly WebhookAlert[];
}

const STATUSES: readonly WebhookStatus[] = ['firing', 'resolved'];

function readWebhookAlert(value: unknown, at: string): WebhookAlert {
  const obj = readObject(value, at);
  return {
    status: readEnum(obj['status'], fieldPath(at, 'status'), STATUSES),
    labels: readStringMap(obj['labels'], fieldPath(at, 'labels')),
    annotations: readStringMap(obj['annotations'], fieldPath(at, 'annotations'), { optional: true }),
    startsAt: formatTime(readTime(obj['startsAt'], fieldPath(at, 'startsAt'))),
    endsAt: formatTime(readTime(obj['endsAt'], fieldPath(at, 'endsAt'))),
    generatorURL: readString(obj['generatorURL'], fieldPath(at, 'generatorURL'), ''),
    fingerprint: readString(obj['fingerprint'], fieldPath(at, 'fingerprint'), ''),
  };
}

/**
 * Parses a decoded webhook body.
 *
 * @returns the payload, or the first error with its field, e.g.
 *   `{ field: 'version', message: 'unsupported webhook payload version "3"; expected "4"' }`.
 */
export function parseWebhookPayload(body: unknown): ParseResult<WebhookPayload> {
  return parseWith(() => {
    const obj = readObject(body, '');
    const version = obj['version'];
    if (version !== WEBHOOK_VERSION) {
      fail(
        'version',
        `unsupported webhook payload version ${JSON.stringify(version ?? null)}; expected "${WEBHOOK_VERSION}"`,
      );
    }
    const truncated = obj['truncatedAlerts'] ?? 0;
    if (typeof truncated !== 'number' || !Number.isInteger(truncated) || truncated < 0) {
      fail('truncatedAlerts', 'must be a non-negative integer');
    }
    return {
      version: WEBHOOK_VERSION,
      groupKey: readString(obj['groupKey'], 'groupKey'),
      truncatedAlerts: truncated,
      status: readEnum(obj['status'], 'status', STATUSES),
      receiver: readString(obj['receiver'], 'receiver'),
      groupLabels: readStringMap(obj['groupLabels'], 'groupLabels', { optional: true }),
      commonLabels: readStringMap(obj['commonLabels'], 'commonLabels', { optional: true }),
      commonAnnotations: readStringMap(obj['commonAnnotations'], 'commonAnnotations', { optional: true }),
      externalURL: readString(obj['externalURL'], 'externalURL', ''),
      alerts: readArray(obj['alerts'], 'alerts', MAX_WEBHOOK_ALERTS).map((a, i) =>
        readWebhookAlert(a, fieldPath('alerts', i)),
      ),
    };
  });
}
