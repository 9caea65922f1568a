/**
 * JetStream advisories as change hints. The server publishes one on
 * `$JS.EVENT.ADVISORY.STREAM.{CREATED,UPDATED,DELETED}.<stream>` and
 * `$JS.EVENT.ADVISORY.CONSUMER.{CREATED,DELETED}.<stream>.<consumer>` for every change, whoever made
 * it; the console re-reads what the advisory names instead of trusting its payload.
 *
 * One of them is not reliable: nats-server queues a stream's advisories on the stream's own outbound
 * queue, and deleting the stream shuts that queue down, so `STREAM.DELETED` is sometimes never sent
 * (seen for 2 in 300 deletions of streams without consumers and 23 in 300 with one, on a loaded
 * nats-server 2.9.10; the `CONSUMER.DELETED` of its consumers arrived every time). Two things cover
 * it: the API audit advisory (`$JS.EVENT.ADVISORY.API`, sent by the server itself for every
 * JetStream API request, so also for `$JS.API.STREAM.DELETE.<stream>`) names the stream
 * ({@link hintFromApiAudit}), and the source takes a consumer listing that answers "no such stream"
 * as the stream's deletion.
 *
 * @module
 */
import type { ChangeHint } from '../platform.js';

/** Subject the console subscribes to. */
export const ADVISORY_SUBJECT = '$JS.EVENT.ADVISORY.>';

const PREFIX = '$JS.EVENT.ADVISORY.';
/** Subject of the API audit advisory. */
export const API_AUDIT_SUBJECT = '$JS.EVENT.ADVISORY.API';
const STREAM_DELETE_API = '$JS.API.STREAM.DELETE.';
const STREAM_ACTIONS = new Set(['CREATED', 'UPDATED', 'DELETED']);
const CONSUMER_ACTIONS = new Set(['CREATED', 'DELETED']);

/**
 * The hint an advisory subject stands for, or `null` for advisories the console does not act on
 * (API audit, max deliveries, leader elections, …). Stream names cannot contain `.`, so the tokens
 * after the action are exactly the stream and consumer names.
 */
export function hintFromAdvisory(subject: string): ChangeHint | null {
  if (!subject.startsWith(PREFIX)) return null;
  const tokens = subject.slice(PREFIX.length).split('.');
  const [kind, action, stream] = tokens;
  if (stream === undefined || stream === '') return null;
  if (kind === 'STREAM' && STREAM_ACTIONS.has(action ?? '') && tokens.length === 3)
    return { kind: 'topic', topic: stream };
  if (kind === 'CONSUMER' && CONSUMER_ACTIONS.has(action ?? '') && tokens.length === 4)
    return { kind: 'groups', topic: stream };
  return null;
}

/**
 * The hint of an API audit advisory that records a stream deletion (`subject`
 * `$JS.API.STREAM.DELETE.<stream>` in its payload), or `null` for any other message. Audits come
 * for every JetStream API request, the console's own listings included, and carry the whole
 * response: a byte search rules out all but deletions before anything is decoded.
 */
export function hintFromApiAudit(subject: string, data: Uint8Array): ChangeHint | null {
  if (subject !== API_AUDIT_SUBJECT) return null;
  if (Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(STREAM_DELETE_API) < 0) return null;
  let audited: unknown;
  try {
    audited = (JSON.parse(new TextDecoder().decode(data)) as { subject?: unknown }).subject;
  } catch {
    return null;
  }
  if (typeof audited !== 'string' || !audited.startsWith(STREAM_DELETE_API)) return null;
  const stream = audited.slice(STREAM_DELETE_API.length);
  return stream === '' || stream.includes('.') ? null : { kind: 'topic', topic: stream };
}
