/**
 * The body of `POST /api/v2/silences` (`postableSilence` in Alertmanager's OpenAPI spec),
 * validated with bounds before it is passed to an Alertmanager. Alertmanager then checks the rest
 * (times in order, at least one matcher that does not match the empty string) and its refusal is
 * relayed.
 */
import { z } from 'zod';
import { MAX_LABEL_VALUE_LENGTH, parseRfc3339 } from '@livegate/protocol';
import { labelName, parseSchema } from '../../config/validation.js';
import { LivegateError } from '../../errors.js';

/** Largest `POST /api/v2/silences` body, in bytes. */
export const MAX_SILENCE_BODY_BYTES = 64 * 1024;
/** Most matchers in one silence. */
export const MAX_SILENCE_MATCHERS = 64;
/** Longest comment. */
export const MAX_SILENCE_COMMENT = 4096;
/** Longest author. */
export const MAX_SILENCE_AUTHOR = 256;

// Passed on as written: Alertmanager reads it with the same grammar (`@livegate/protocol`'s parseRfc3339).
const time = z
  .string()
  .max(64)
  .refine((s) => parseRfc3339(s) !== undefined, 'must be an RFC 3339 time such as 2026-12-01T04:00:00Z');

const matcher = z.strictObject({
  name: labelName(),
  value: z.string().max(MAX_LABEL_VALUE_LENGTH),
  isRegex: z.boolean(),
  isEqual: z.boolean().optional(),
});

/** Schema of a postable silence. */
export const PostableSilenceSchema = z.strictObject({
  id: z.string().max(64).optional(),
  matchers: z.array(matcher).min(1).max(MAX_SILENCE_MATCHERS),
  startsAt: time,
  endsAt: time,
  createdBy: z.string().min(1).max(MAX_SILENCE_AUTHOR),
  comment: z.string().min(1).max(MAX_SILENCE_COMMENT),
});

/** A validated postable silence. */
export type PostableSilence = z.infer<typeof PostableSilenceSchema>;

/** Alertmanager's answer to `POST /api/v2/silences`. */
const PostSilenceAnswerSchema = z.object({ silenceID: z.string().min(1) });

/**
 * Reads the `silenceID` of Alertmanager's answer to `POST /api/v2/silences` (its text).
 *
 * @returns the id, or `undefined` when the answer is not JSON with a non-empty `silenceID`.
 */
export function readSilenceId(answerText: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(answerText);
  } catch {
    return undefined;
  }
  const parsed = parseSchema(PostSilenceAnswerSchema, json);
  return parsed.ok ? parsed.value.silenceID : undefined;
}

/** Validates a request body; throws `invalid_body` naming the first wrong field (e.g. `matchers[0].name`). */
export function parsePostableSilence(body: unknown): PostableSilence {
  const parsed = parseSchema(PostableSilenceSchema, body);
  if (parsed.ok) return parsed.value;
  const field = parsed.error.field === '' ? 'body' : parsed.error.field;
  throw new LivegateError('invalid_body', `${field}: ${parsed.error.message}`, { field });
}
