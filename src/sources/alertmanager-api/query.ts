/**
 * Query parameters of the Alertmanager API v2 read endpoints, validated and bounded:
 * `filter` (repeatable matcher, e.g. `alertname="X"` or `severity=~"crit.*"`), the booleans
 * `active`, `silenced`, `inhibited`, `unprocessed` (default `true`) and `receiver` (an anchored
 * regex over receiver names). Bad input is a `LivegateError` naming the parameter.
 */
import type { Labels } from '../../core/event.js';
import { MatcherSyntaxError, compileMatchers, parseMatchers, type Matcher } from '../../core/matchers.js';
import { RegexSyntaxError, compileFullMatch, type FullMatchRegex } from '../../core/regex.js';
import { LivegateError } from '../../errors.js';

/** Most `filter` parameters in one request. */
export const MAX_FILTERS = 64;
/** Longest single `filter` parameter. */
export const MAX_FILTER_LENGTH = 1024;
/** Longest `receiver` regex. */
export const MAX_RECEIVER_LENGTH = 256;

/** Parsed parameters of `GET /api/v2/alerts` and `/api/v2/alerts/groups`. */
export interface AlertQuery {
  readonly matches: (labels: Labels) => boolean;
  readonly matchers: readonly Matcher[];
  readonly active: boolean;
  readonly silenced: boolean;
  readonly inhibited: boolean;
  readonly unprocessed: boolean;
  /** Receiver-name test; `undefined` accepts every receiver. */
  readonly receiver: ((name: string) => boolean) | undefined;
}

/** Parsed parameters of `GET /api/v2/silences`. */
export interface SilenceQuery {
  readonly matches: (labels: Labels) => boolean;
}

type Query = Record<string, unknown>;

function list(query: Query, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((v): v is string => typeof v === 'string'))
    throw new LivegateError('invalid_param', `${name} must be text`, { field: name });
  return values;
}

function single(query: Query, name: string): string | undefined {
  const values = list(query, name);
  if (values.length > 1) throw new LivegateError('invalid_param', `give ${name} at most once`, { field: name });
  return values[0];
}

/** go-swagger's boolean forms, as Alertmanager accepts them. */
function bool(query: Query, name: string): boolean {
  const text = single(query, name);
  if (text === undefined || text === '') return true;
  const lower = text.toLowerCase();
  if (['true', '1', 'yes', 'y', 'on', 't'].includes(lower)) return true;
  if (['false', '0', 'no', 'n', 'off', 'f'].includes(lower)) return false;
  throw new LivegateError('invalid_param', `${name} must be true or false, got ${JSON.stringify(text.slice(0, 40))}`, {
    field: name,
  });
}

function filters(query: Query): Matcher[] {
  const texts = list(query, 'filter');
  if (texts.length > MAX_FILTERS)
    throw new LivegateError('invalid_param', `at most ${MAX_FILTERS} filter parameters`, { field: 'filter' });
  const matchers: Matcher[] = [];
  texts.forEach((text, i) => {
    const field = `filter[${i}]`;
    if (text.length > MAX_FILTER_LENGTH)
      throw new LivegateError('invalid_param', `a filter is at most ${MAX_FILTER_LENGTH} characters`, { field });
    try {
      matchers.push(...parseMatchers(text));
    } catch (err) {
      if (err instanceof MatcherSyntaxError)
        throw new LivegateError('invalid_param', `bad matcher: ${err.message}`, { field, cause: err });
      throw err;
    }
  });
  return matchers;
}

function receiverTest(query: Query): ((name: string) => boolean) | undefined {
  const source = single(query, 'receiver');
  if (source === undefined || source === '') return undefined;
  if (source.length > MAX_RECEIVER_LENGTH)
    throw new LivegateError('invalid_param', `receiver is at most ${MAX_RECEIVER_LENGTH} characters`, {
      field: 'receiver',
    });
  let regex: FullMatchRegex;
  try {
    regex = compileFullMatch(source, 'receiver');
  } catch (err) {
    if (!(err instanceof RegexSyntaxError)) throw err;
    throw new LivegateError('invalid_param', `receiver is not a valid regex (RE2 syntax): ${err.reason}`, {
      field: 'receiver',
      cause: err,
    });
  }
  return (name) => regex.test(name);
}

/** Reads the query of `GET /api/v2/alerts` or `/api/v2/alerts/groups`. */
export function parseAlertQuery(query: Query): AlertQuery {
  const matchers = filters(query);
  return {
    matchers,
    matches: compileMatchers(matchers),
    active: bool(query, 'active'),
    silenced: bool(query, 'silenced'),
    inhibited: bool(query, 'inhibited'),
    unprocessed: bool(query, 'unprocessed'),
    receiver: receiverTest(query),
  };
}

/**
 * Reads the query of `GET /api/v2/silences`: a silence passes when its matchers, taken as a label
 * set (name → value), pass every filter, as in Alertmanager.
 */
export function parseSilenceQuery(query: Query): SilenceQuery {
  return { matches: compileMatchers(filters(query)) };
}
