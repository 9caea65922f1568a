/**
 * Validation of the body Alertmanager's webhook receiver posts (payload version `"4"`), received
 * on `POST /api/v2/webhooks/alertmanager` to trigger an immediate watch round.
 *
 * Alertmanager writes Go's zero time `0001-01-01T00:00:00Z` as `endsAt` of firing alerts; it is
 * kept as `0001-01-01T00:00:00.000Z` (times are normalised to UTC with milliseconds).
 */
import { z } from 'zod';
import type { Labels } from '../../core/event.js';
import { parseSchema, stringMap, stringOr, utcTime, type ParseResult } from '../../config/validation.js';
import { ALERT_ANNOTATION_LIMITS, ALERT_LABEL_LIMITS } from '../alerts/postable-alerts.js';

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

const STATUSES = ['firing', 'resolved'] as const satisfies readonly WebhookStatus[];

const webhookAlert = z.object({
  status: z.enum(STATUSES),
  labels: stringMap(ALERT_LABEL_LIMITS),
  annotations: stringMap({ optional: true, ...ALERT_ANNOTATION_LIMITS }),
  startsAt: utcTime,
  endsAt: utcTime,
  generatorURL: stringOr(''),
  fingerprint: stringOr(''),
});

const NON_NEGATIVE_INTEGER = 'must be a non-negative integer';

/** Schema of a webhook body, version 4; `version` comes first so that it is the error reported first. */
export const WebhookPayloadSchema: z.ZodType<WebhookPayload> = z.object({
  version: z.literal(WEBHOOK_VERSION, {
    error: (issue) =>
      `unsupported webhook payload version ${JSON.stringify(issue.input ?? null)}; expected "${WEBHOOK_VERSION}"`,
  }),
  groupKey: z.string(),
  truncatedAlerts: z
    .number({ error: NON_NEGATIVE_INTEGER })
    .refine((n) => Number.isInteger(n) && n >= 0, NON_NEGATIVE_INTEGER)
    .nullish()
    .transform((n) => n ?? 0),
  status: z.enum(STATUSES),
  receiver: z.string(),
  groupLabels: stringMap({ optional: true }),
  commonLabels: stringMap({ optional: true }),
  commonAnnotations: stringMap({ optional: true }),
  externalURL: stringOr(''),
  alerts: z.array(webhookAlert).max(MAX_WEBHOOK_ALERTS),
});

/**
 * Parses a decoded webhook body. Unknown fields are ignored.
 *
 * @returns the payload, or the first error with its field, e.g.
 *   `{ field: 'version', message: 'unsupported webhook payload version "3"; expected "4"' }`.
 */
export function parseWebhookPayload(body: unknown): ParseResult<WebhookPayload> {
  return parseSchema(WebhookPayloadSchema, body);
}
