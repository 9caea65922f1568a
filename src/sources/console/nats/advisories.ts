/**
 * JetStream advisories as change hints. The server publishes one on
 * `$JS.EVENT.ADVISORY.STREAM.{CREATED,UPDATED,DELETED}.<stream>` and
 * `$JS.EVENT.ADVISORY.CONSUMER.{CREATED,DELETED}.<stream>.<consumer>` for every change, whoever made
 * it; the console re-reads what the advisory names instead of trusting its payload.
 *
 * @module
 */
import type { ChangeHint } from '../platform.js';

/** Subject the console subscribes to. */
export const ADVISORY_SUBJECT = '$JS.EVENT.ADVISORY.>';

const PREFIX = '$JS.EVENT.ADVISORY.';
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
