/**
 * Error messages for the CLI's HTTP calls that name the URL and the real cause: Node's `fetch`
 * rejects with `TypeError: fetch failed` and hides `connect ECONNREFUSED 127.0.0.1:8080` in `cause`
 * (an `AggregateError` when a name resolves to several addresses, e.g. `localhost`).
 */

/** The innermost useful text of a network error: `connect ECONNREFUSED 127.0.0.1:8080`. */
export function networkCause(err: unknown): string {
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  if (cause instanceof AggregateError && cause.errors.length > 0)
    return [...new Set(cause.errors.map((e: unknown) => networkCause(e)))].join('; ');
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    if (cause.message !== '') return cause.message;
    if (typeof code === 'string') return code;
    return cause.name;
  }
  return String(cause);
}

/** `cannot reach http://127.0.0.1:8080/api/v2/events: connect ECONNREFUSED 127.0.0.1:8080`. */
export function unreachable(url: string, err: unknown): Error {
  return new Error(`cannot reach ${url}: ${networkCause(err)}`, { cause: err });
}

/** The server's answer to a failed request, in a few words: `HTTP 401 unauthorized: <message>`. */
export function httpFailure(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
    const { code, message, field } = parsed.error ?? {};
    if (typeof code === 'string')
      return `HTTP ${status} ${code}${typeof field === 'string' ? ` (${field})` : ''}${typeof message === 'string' ? `: ${message}` : ''}`;
  } catch {
    // Not JSON: show the text.
  }
  return `HTTP ${status}${body.trim() === '' ? '' : ` ${body.trim().slice(0, 500)}`}`;
}
