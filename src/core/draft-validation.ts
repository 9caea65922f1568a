import { LivegateError } from '../errors.js';
import type { EventDraft, StampedDraft } from './event.js';
import {
  MAX_DATA_BYTES,
  MAX_DATA_DEPTH,
  formatTime,
  isValidSource,
  parseRfc3339,
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
  if (data !== undefined) {
    const problem = dataProblem(data);
    if (problem !== null) throw new LivegateError('invalid_event', problem, { field: `${prefix}data` });
  }
  let stampedTime = now;
  if (time !== undefined) {
    // The one RFC 3339 rule (@livegate/protocol): impossible dates such as 2026-02-31 are refused
    // rather than rolled over into March, as Date.parse did.
    const ms = typeof time === 'string' ? parseRfc3339(time) : undefined;
    if (ms === undefined) {
      throw new LivegateError(
        'invalid_event',
        `time ${describe(time)} is not an RFC 3339 date-time like 2026-11-23T07:01:29Z (a real date, T between date and time)`,
        { field: `${prefix}time` },
      );
    }
    stampedTime = formatTime(ms);
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

/**
 * Why `data` cannot travel, or `null`: nested deeper than {@link MAX_DATA_DEPTH}, not serializable
 * (a `BigInt` or a cycle from an in-process source), or larger than {@link MAX_DATA_BYTES} as JSON.
 * Checked before the bus assigns a sequence number, so a bad draft fails its whole request and
 * leaves no gap in the ids. The walk is iterative: the input may be deeper than the call stack.
 */
function dataProblem(data: unknown): string | null {
  const stack: unknown[] = [data];
  const depths: number[] = [1];
  // Each object or array is at least 2 chars of JSON: more of them than that is too large anyway,
  // and the count stops a shared or cyclic structure from an in-process source walking forever.
  let objects = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    const depth = depths.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DATA_DEPTH) return `data is nested more than ${MAX_DATA_DEPTH} levels deep`;
    if (++objects > MAX_DATA_BYTES / 2) return `data is larger than ${MAX_DATA_BYTES} chars as JSON`;
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    return `data cannot be serialized as JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (json === undefined) return `data of type ${typeof data} is not JSON`;
  if (json.length > MAX_DATA_BYTES) {
    return `data is ${json.length} chars as JSON; max ${MAX_DATA_BYTES}`;
  }
  return null;
}

/** `snapshot` marks state snapshots; the others would pose as control events with `named=1`. */
const RESERVED_TYPES = new Set(['snapshot', 'hello', 'heartbeat', 'reset', 'shutdown', 'error', 'message']);

const ALLOWED_KEYS = new Set(['topic', 'type', 'source', 'labels', 'data', 'time']);

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value === undefined) return '(missing)';
  return `of type ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`;
}
