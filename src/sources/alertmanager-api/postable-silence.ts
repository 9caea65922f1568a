/**
 * The body of `POST /api/v2/silences` (`postableSilence` in Alertmanager's OpenAPI spec),
 * validated with bounds before it is passed to an Alertmanager. Alertmanager then checks the rest
 * (times in order, at least one matcher that does not match the empty string) and its refusal is
 * relayed.
 */
import { z } from 'zod';
import { LABEL_NAME_PATTERN, MAX_LABEL_NAME_LENGTH, MAX_LABEL_VALUE_LENGTH } from '@livegate/protocol';
import { fieldPath } from '../../core/field-path.js';
import { LivegateError } from '../../errors.js';

/** Largest `POST /api/v2/silences` body, in bytes. */
export const MAX_SILENCE_BODY_BYTES = 64 * 1024;
/** Most matchers in one silence. */
export const MAX_SILENCE_MATCHERS = 64;
/** Longest comment. */
export const MAX_SILENCE_COMMENT = 4096;
/** Longest author. */
export const MAX_SILENCE_AUTHOR = 256;

const time = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 time such as 2026-12-01T04:00:00Z');

const matcher = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(MAX_LABEL_NAME_LENGTH)
    .regex(LABEL_NAME_PATTERN, 'must be a label name (letters, digits, _; not starting with a digit)'),
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

/** Validates a request body; throws `invalid_body` naming the first wrong field (e.g. `matchers[0].name`). */
export function parsePostableSilence(body: unknown): PostableSilence {
  const parsed = PostableSilenceSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = fieldPath(issue.path);
  throw new LivegateError('invalid_body', `${field}: ${issue.message}`, { field });
}
