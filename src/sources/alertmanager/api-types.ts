/**
 * The part of Alertmanager's API v2 the watcher reads, checked at runtime: `GET /api/v2/alerts`
 * (`gettableAlerts`) and `GET /api/v2/silences` (`gettableSilences`).
 *
 * An answer that does not have this shape is an error value, never an exception: the watcher
 * keeps its last good view and reports the Alertmanager as unhealthy. Fields we do not read are
 * ignored, so newer Alertmanager versions keep working. Times are normalised to UTC RFC 3339 with
 * milliseconds (Alertmanager may answer with an offset such as `+02:00`).
 */
import { z } from 'zod';
import type { Labels } from '../../core/event.js';
import type { SilenceMatcher, SilenceState, SuppressionState } from '../alerts/alert-model.js';
import {
  booleanOr,
  parseSchema,
  stringList,
  stringMap,
  stringOr,
  utcTime,
  type ParseResult,
} from '../../config/validation.js';

/** One alert from `GET /api/v2/alerts`. */
export interface AmAlert {
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly updatedAt: string;
  /** `''` when Alertmanager has none. */
  readonly generatorURL: string;
  readonly status: {
    readonly state: SuppressionState;
    readonly silencedBy: readonly string[];
    readonly inhibitedBy: readonly string[];
  };
  /** Names of the receivers the alert routes to. */
  readonly receivers: readonly string[];
}

/** One silence from `GET /api/v2/silences`. */
export interface AmSilence {
  readonly id: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly status: { readonly state: SilenceState };
}

const SUPPRESSION_STATES = ['active', 'suppressed', 'unprocessed'] as const satisfies readonly SuppressionState[];
const SILENCE_STATES = ['active', 'pending', 'expired'] as const satisfies readonly SilenceState[];

const nonEmptyString = z.string().min(1);

const gettableAlert = z.object({
  fingerprint: nonEmptyString,
  labels: stringMap(),
  annotations: stringMap({ optional: true }),
  startsAt: utcTime,
  endsAt: utcTime,
  updatedAt: utcTime,
  generatorURL: stringOr(''),
  status: z.object({
    state: z.enum(SUPPRESSION_STATES),
    silencedBy: stringList,
    inhibitedBy: stringList,
  }),
  receivers: z
    .array(z.object({ name: z.string() }))
    .nullish()
    .transform((list) => (list ?? []).map((r) => r.name)),
});

const silenceMatcher = z.object({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean(),
  // Added in Alertmanager 0.22; older versions only have positive matchers.
  isEqual: booleanOr(true),
});

const gettableSilence = z.object({
  id: nonEmptyString,
  matchers: z.array(silenceMatcher),
  startsAt: utcTime,
  endsAt: utcTime,
  updatedAt: utcTime,
  createdBy: stringOr(''),
  comment: stringOr(''),
  status: z.object({ state: z.enum(SILENCE_STATES) }),
});

/** Schema of a `GET /api/v2/alerts` answer (`gettableAlerts`). */
export const GettableAlertsSchema: z.ZodType<AmAlert[]> = z.array(gettableAlert);

/** Schema of a `GET /api/v2/silences` answer (`gettableSilences`). */
export const GettableSilencesSchema: z.ZodType<AmSilence[]> = z.array(gettableSilence);

/** Checks a decoded `GET /api/v2/alerts` answer; an error names the field, e.g. `[2].status.state`. */
export function parseGettableAlerts(json: unknown): ParseResult<AmAlert[]> {
  return parseSchema(GettableAlertsSchema, json);
}

/** Checks a decoded `GET /api/v2/silences` answer; an error names the field, e.g. `[0].matchers[1].isRegex`. */
export function parseGettableSilences(json: unknown): ParseResult<AmSilence[]> {
  return parseSchema(GettableSilencesSchema, json);
}
