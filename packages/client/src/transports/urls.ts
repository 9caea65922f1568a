/**
 * Endpoint URLs of the three transports, built from the base URL, the filter and the resume id.
 * Lists go comma-separated (`topics=a,b`); `match` is repeated because selectors contain commas.
 */
import type { SubscriptionFilter } from '../types.js';

/** Path of the SSE endpoint. */
export const SSE_PATH = '/api/v2/events/stream';
/** Path of the long-poll endpoint. */
export const POLL_PATH = '/api/v2/events/poll';
/** Path of the WebSocket endpoint. */
export const WS_PATH = '/ws/dashboard';

/**
 * Resolves the `url` option into an http(s) base URL. Relative URLs resolve against the page in
 * browsers; `ws:`/`wss:` are mapped to `http:`/`https:`. Throws a `TypeError` saying what to pass.
 */
export function resolveBaseUrl(url: string): URL {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new TypeError('options.url is required: the livegate base URL, e.g. "https://livegate.example.com"');
  }
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  let parsed: URL;
  try {
    parsed = page === undefined ? new URL(url) : new URL(url, page);
  } catch (cause) {
    throw new TypeError(
      `options.url "${url}" is not a valid URL; outside a browser it must be absolute, e.g. "http://localhost:8080"`,
      { cause },
    );
  }
  if (parsed.protocol === 'ws:') parsed.protocol = 'http:';
  else if (parsed.protocol === 'wss:') parsed.protocol = 'https:';
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`options.url must use http(s) or ws(s), got "${parsed.protocol}"`);
  }
  parsed.search = '';
  parsed.hash = '';
  return parsed;
}

/** `base` with `path` appended to its own path (keeps a prefix such as `/livegate`). */
export function endpoint(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  return url;
}

/** Adds the filter's query parameters. */
export function appendFilter(params: URLSearchParams, filter: SubscriptionFilter): void {
  if (filter.topics !== undefined) params.set('topics', filter.topics.join(','));
  if (filter.types !== undefined) params.set('types', filter.types.join(','));
  if (filter.sources !== undefined) params.set('sources', filter.sources.join(','));
  for (const selector of filter.match ?? []) params.append('match', selector);
}

/** Adds the resume id under `name`, and the state topics to snapshot instead of replaying (only with a resume id). */
function appendResume(params: URLSearchParams, name: string, since: string | null, snapshot: readonly string[]): void {
  if (since === null) return;
  params.set(name, since);
  if (snapshot.length > 0) params.set('snapshot', snapshot.join(','));
}

/** The SSE stream URL (`lastEventId` and `access_token` as query parameters: EventSource sets no headers). */
export function sseUrl(
  base: URL,
  filter: SubscriptionFilter,
  since: string | null,
  token: string | null,
  snapshot: readonly string[] = [],
): string {
  const url = endpoint(base, SSE_PATH);
  appendFilter(url.searchParams, filter);
  appendResume(url.searchParams, 'lastEventId', since, snapshot);
  if (token !== null) url.searchParams.set('access_token', token);
  return url.href;
}

/** The WebSocket URL (`ws:`/`wss:`; `access_token` as a query parameter). */
export function wsUrl(base: URL, token: string | null): string {
  const url = endpoint(base, WS_PATH);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token !== null) url.searchParams.set('access_token', token);
  return url.href;
}

/** A long-poll URL (the token travels in the Authorization header). */
export function pollUrl(
  base: URL,
  filter: SubscriptionFilter,
  since: string | null,
  timeoutSeconds: number,
  snapshot: readonly string[] = [],
): string {
  const url = endpoint(base, POLL_PATH);
  appendFilter(url.searchParams, filter);
  appendResume(url.searchParams, 'since', since, snapshot);
  url.searchParams.set('timeout', String(timeoutSeconds));
  return url.href;
}
