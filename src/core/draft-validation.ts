import { LivegateError } from '../errors.js';
import type { EventDraft, StampedDraft } from './event.js';
import {
  isValidSource,
  isValidTopic,
  isValidType,
  SOURCE_RULE,
  TOPIC_RULE,
  TYPE_RULE,
  validateLabels,
} from '@livegate/protocol';

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Validates one draft as received from any publisher and fills its defaults. Throws
 * `invalid_event` naming the field (prefixed with `prefix`, e.g. `[3].`) at fault.
 */
export function stampDraft(input: unknown, now: string, defaultSource: string, prefix = ''): StampedDraft {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new LivegateError('invalid_event', 'an event draft must be a JSON object', {
      // `[3].` names a field inside draft 3; the draft itself is `[3]`.
      field: prefix.replace(/\.$/, '') || 'body',
    });
  }
  const draft = input as Record<string, unknown>;
  for (const key of Object.keys(draft)) {
    if (!ALLOWED_KEYS.has(key)) {
      throw new LivegateError(
        'invalid_event',
        `unknown field "${key}"; allowed: topic, type, source, labels, data, time`,
        {
          field: prefix + key,
        },
      );
    }
  }
  const { topic, type, source, labels, data, time } = draft as Partial<Record<keyof EventDraft, unknown>>;
  if (typeof topic !== 'string' || !isValidTopic(topic)) {
    throw new LivegateError('invalid_event', `topic ${describe(topic)} is invalid: ${TOPIC_RULE}`, {
      field: `${prefix}topic`,
    });
  }
  if (typeof type !== 'string' || !isValidType(type)) {
    throw new LivegateError('invalid_event', `type ${describe(type)} is invalid: ${TYPE_RULE}`, {
      field: `${prefix}type`,
    });
  }
  if (RESERVED_TYPES.has(type)) {
    throw new LivegateError('invalid_event', `type "${type}" is reserved (snapshot and the SSE control event names)`, {
      field: `${prefix}type`,
    });
  }
  if (source !== undefined && (typeof source !== 'string' || !isValidSource(source))) {
    throw new LivegateError('invalid_event', `source ${describe(source)} is invalid: ${SOURCE_RULE}`, {
      field: `${prefix}source`,
    });
  }
  if (labels !== undefined) {
    const problem = validateLabels(labels);
    if (problem !== null) throw new LivegateError('invalid_event', problem, { field: `${prefix}labels` });
  }
  let stampedTime = now;
  if (time !== undefined) {
    if (typeof time !== 'string' || !RFC3339.test(time) || Number.isNaN(Date.parse(time))) {
      throw new LivegateError(
        'invalid_event',
        `time ${describe(time)} is not an RFC 3339 date-time like 2026-11-23T07:01:29Z`,
        { field: `${prefix}time` },
      );
    }
    stampedTime = new Date(time).toISOString();
  }
  return {
    topic,
    type,
    source: (source as string | undefined) ?? defaultSource,
    labels: (labels as Record<string, string> | undefined) ?? EMPTY_LABELS,
    data: data === undefined ? null : data,
    time: stampedTime,
  };
}

/** `snapshot` marks state snapshots; the others would pose as control events with `named=1`. */
const RESERVED_TYPES = new Set(['snapshot', 'hello', 'heartbeat', 'reset', 'shutdown', 'error', 'message']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

const ALLOWED_KEYS = new Set(['topic', 'type', 'source', 'labels', 'data', 'time']);

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value === undefined) return '(missing)';
  return `of type ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`;
}
