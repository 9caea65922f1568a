import { TOPIC_PATTERN, TOPIC_RULE } from '@livegate/protocol';
import { LivegateError } from '../errors.js';
import { compileFilter, FilterError, type CompiledFilter, type FilterSpec } from '../core/filter.js';
import { BATCH_DEFAULTS, type BatchOptions } from '../core/subscription.js';

/** Query parameters shared by the SSE and long-poll endpoints. */
export type QueryValues = Readonly<Record<string, string | string[] | undefined>>;

/**
 * `topics=a,b&topics=c` → `['a','b','c']`. Matchers contain commas, so `match` is never split:
 * repeat the parameter for several (OR-ed) matcher sets.
 */
export function listParam(query: QueryValues, name: string, split = true): string[] {
  const raw = query[name];
  if (raw === undefined) return [];
  const values = Array.isArray(raw) ? raw : [raw];
  const out: string[] = [];
  for (const value of values) {
    if (!split) {
      if (value.trim() !== '') out.push(value);
      continue;
    }
    for (const part of value.split(',')) if (part.trim() !== '') out.push(part.trim());
  }
  return out;
}

/** The last value of a single-valued parameter. */
export function singleParam(query: QueryValues, name: string): string | undefined {
  const raw = query[name];
  return Array.isArray(raw) ? raw[raw.length - 1] : raw;
}

/** Compiles a filter spec, turning a {@link FilterError} into `invalid_filter` with its field. */
export function compileRequestFilter(spec: FilterSpec): CompiledFilter {
  try {
    return compileFilter(spec);
  } catch (err) {
    if (err instanceof FilterError) {
      throw new LivegateError('invalid_filter', err.message, {
        field: err.index < 0 ? err.field : `${err.field}[${err.index}]`,
        cause: err,
      });
    }
    throw err;
  }
}

/** The filter of an SSE or long-poll request. */
export function filterFromQuery(query: QueryValues): CompiledFilter {
  return compileRequestFilter({
    topics: listParam(query, 'topics'),
    types: listParam(query, 'types'),
    sources: listParam(query, 'sources'),
    match: listParam(query, 'match', false),
  });
}

/** Parses an integer parameter within bounds, or throws `invalid_param` naming it. */
export function intParam(query: QueryValues, name: string, min: number, max: number): number | undefined {
  const raw = singleParam(query, name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new LivegateError('invalid_param', `${name} must be an integer from ${min} to ${max}`, { field: name });
  }
  return Number(raw);
}

/** Checks batching options from either transport; `undefined` values take the defaults. */
export function batchOptions(max: unknown, ms: unknown): BatchOptions | null {
  if (max === undefined && ms === undefined) return null;
  const batch = { max: max ?? BATCH_DEFAULTS.max, ms: ms ?? BATCH_DEFAULTS.ms };
  if (typeof batch.max !== 'number' || !Number.isInteger(batch.max) || batch.max < 1 || batch.max > 1000) {
    throw new LivegateError('invalid_param', 'batch must be an integer from 1 to 1000', {
      field: 'batch',
    });
  }
  if (typeof batch.ms !== 'number' || !Number.isInteger(batch.ms) || batch.ms < 0 || batch.ms > 10_000) {
    throw new LivegateError('invalid_param', 'batchMs must be an integer from 0 to 10000', {
      field: 'batchMs',
    });
  }
  return { max: batch.max, ms: batch.ms };
}

/** Most topics one `snapshot` list may name. */
export const MAX_SNAPSHOT_TOPICS = 64;

/**
 * Checks the `snapshot` list of a resume (SSE/long-poll query `snapshot=a,b`, WebSocket subscribe
 * field): state topics to snapshot at the head instead of replaying their missed events.
 */
export function snapshotTopics(topics: readonly string[]): string[] {
  if (topics.length > MAX_SNAPSHOT_TOPICS)
    throw new LivegateError('invalid_param', `snapshot names at most ${MAX_SNAPSHOT_TOPICS} topics`, {
      field: 'snapshot',
    });
  topics.forEach((topic, i) => {
    if (!TOPIC_PATTERN.test(topic))
      throw new LivegateError(
        'invalid_param',
        `snapshot topic "${topic.slice(0, 80)}" is not a topic name (${TOPIC_RULE})`,
        {
          field: `snapshot[${i}]`,
        },
      );
  });
  return [...topics];
}
