/**
 * The dashboard's writes: create and expire silences through livegate's Alertmanager API v2,
 * which passes them to the watched Alertmanager. Errors come back as the server's structured
 * `{"error":{"code","message"}}` and are thrown as {@link WriteError} with that message.
 */

import { authHeaders } from './access-token.js';

/** A write the server refused or could not do; `message` is the server's explanation. */
export class WriteError extends Error {
  override readonly name = 'WriteError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function base(): string {
  return new URL('.', window.location.href).href;
}

async function explain(res: Response): Promise<WriteError> {
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not JSON: keep the status.
  }
  if (res.status === 401) message = `${message} (writes need credentials: paste an access token)`;
  return new WriteError(message, res.status);
}

/** `POST /api/v2/silences`; resolves with the new silence id. */
export async function createSilence(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(new URL('api/v2/silences', base()), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders() },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await explain(res);
  const answer = (await res.json()) as { silenceID?: string };
  return answer.silenceID ?? '';
}

/** `DELETE /api/v2/silence/{id}`. */
export async function expireSilence(id: string): Promise<void> {
  const res = await fetch(new URL(`api/v2/silence/${encodeURIComponent(id)}`, base()), {
    method: 'DELETE',
    headers: authHeaders(),
  });
  if (!res.ok) throw await explain(res);
}
