/**
 * The part of Alertmanager's API v2 the watcher reads, checked at runtime: `GET /api/v2/alerts`
 * (`gettableAlerts`) and `GET /api/v2/silences` (`gettableSilences`).
 *
 * An answer that does not have this shape is an error value, never an exception: the watcher
 * keeps its last good view and reports the Alertmanager as unhealthy. Fields we do not read are
 * ignored, so newer Alertmanager versions keep working. Times are normalised to UTC RFC 3339 with
 * milliseconds (Alertmanager may answer with an offset such as `+02:00`).
 */
import type { Labels } from '../../core/event.js';
import type { SilenceMatcher, SilenceState, SuppressionState } from '../alerts/alert-model.js';
import {
  fail,
  fieldPath,
  parseWith,
  readArray,
  readBoolean,
  readEnum,
  readObject,
  readString,
  readStringArray,
  readStringMap,
  readTime,
  type ParseResult,
} from '../../config/validation.js';
import { formatTime } from '@livegate/protocol';

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

const SUPPRESSION_STATES: readonly SuppressionState[] = ['active', 'suppressed', 'unprocessed'];
const SILENCE_STATES: readonly SilenceState[] = ['active', 'pending', 'expired'];

function readIsoTime(value: unknown, field: string): string {
  return formatTime(readTime(value, field));
}

function readAmAlert(value: unknown, at: string): AmAlert {
  const obj = readObject(value, at);
  const fingerprint = readString(obj['fingerprint'], fieldPath(at, 'fingerprint'));
  if (fingerprint === '') fail(fieldPath(at, 'fingerprint'), 'must not be empty');
  const statusAt = fieldPath(at, 'status');
  const status = readObject(obj['status'], statusAt);
  const receiversAt = fieldPath(at, 'receivers');
  const receivers =
    obj['receivers'] === undefined || obj['receivers'] === null ? [] : readArray(obj['receivers'], receiversAt);
  return {
    fingerprint,
    labels: readStringMap(obj['labels'], fieldPath(at, 'labels')),
    annotations: readStringMap(obj['annotations'], fieldPath(at, 'annotations'), { optional: true }),
    startsAt: readIsoTime(obj['startsAt'], fieldPath(at, 'startsAt')),
    endsAt: readIsoTime(obj['endsAt'], fieldPath(at, 'endsAt')),
    updatedAt: readIsoTime(obj['updatedAt'], fieldPath(at, 'updatedAt')),
    generatorURL: readString(obj['generatorURL'], fieldPath(at, 'generatorURL'), ''),
    status: {
      state: readEnum(status['state'], fieldPath(statusAt, 'state'), SUPPRESSION_STATES),
      silencedBy: readStringArray(status['silencedBy'], fieldPath(statusAt, 'silencedBy')),
      inhibitedBy: readStringArray(status['inhibitedBy'], fieldPath(statusAt, 'inhibitedBy')),
    },
    receivers: receivers.map((r, i) => {
      const rAt = fieldPath(receiversAt, i);
      return readString(readObject(r, rAt)['name'], fieldPath(rAt, 'name'));
    }),
  };
}

function readMatcher(value: unknown, at: string): SilenceMatcher {
  const obj = readObject(value, at);
  return {
    name: readString(obj['name'], fieldPath(at, 'name')),
    value: readString(obj['value'], fieldPath(at, 'value')),
    isRegex: readBoolean(obj['isRegex'], fieldPath(at, 'isRegex')),
    // Added in Alertmanager 0.22; older versions only have positive matchers.
    isEqual: readBoolean(obj['isEqual'], fieldPath(at, 'isEqual'), true),
  };
}

function readAmSilence(value: unknown, at: string): AmSilence {
  const obj = readObject(value, at);
  const id = readString(obj['id'], fieldPath(at, 'id'));
  if (id === '') fail(fieldPath(at, 'id'), 'must not be empty');
  const matchersAt = fieldPath(at, 'matchers');
  const statusAt = fieldPath(at, 'status');
  const status = readObject(obj['status'], statusAt);
  return {
    id,
    matchers: readArray(obj['matchers'], matchersAt).map((m, i) => readMatcher(m, fieldPath(matchersAt, i))),
    startsAt: readIsoTime(obj['startsAt'], fieldPath(at, 'startsAt')),
    endsAt: readIsoTime(obj['endsAt'], fieldPath(at, 'endsAt')),
    updatedAt: readIsoTime(obj['updatedAt'], fieldPath(at, 'updatedAt')),
    createdBy: readString(obj['createdBy'], fieldPath(at, 'createdBy'), ''),
    comment: readString(obj['comment'], fieldPath(at, 'comment'), ''),
    status: { state: readEnum(status['state'], fieldPath(statusAt, 'state'), SILENCE_STATES) },
  };
}

/** Checks a decoded `GET /api/v2/alerts` answer. */
export function parseGettableAlerts(json: unknown): ParseResult<AmAlert[]> {
  return parseWith(() => readArray(json, '').map((a, i) => readAmAlert(a, fieldPath('', i))));
}

/** Checks a decoded `GET /api/v2/silences` answer. */
export function parseGettableSilences(json: unknown): ParseResult<AmSilence[]> {
  return parseWith(() => readArray(json, '').map((s, i) => readAmSilence(s, fieldPath('', i))));
}
