/**
 * Name rules of the console: topic (stream) names, subjects and cluster names. JetStream refuses
 * stream names with whitespace, `.`, `*`, `>`, path separators or non-printable characters; the
 * console is stricter (the portable subset Kafka also accepts), so a name is also a safe label
 * value and URL segment.
 *
 * @module
 */

/** Letters, digits, `_` and `-`; 1–128 characters. */
export const TOPIC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** The rule as told to API callers. */
export const TOPIC_NAME_RULE = 'a topic name is 1-128 characters of letters, digits, "_" and "-"';

/** Cluster names: letters, digits, `_`, `-`, `.`; 1–64 characters. */
const CLUSTER_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Whether a cluster name is acceptable (it becomes a label value and part of a health component). */
export function isValidLabelValue(name: string): boolean {
  return CLUSTER_PATTERN.test(name);
}

/** Longest subject accepted. */
export const MAX_SUBJECT_LENGTH = 255;

/**
 * Why a subject is not a valid JetStream stream subject, or `null` when it is: dot-separated
 * non-empty tokens of printable non-space characters; `*` only as a whole token; `>` only as the
 * whole last token.
 */
export function subjectProblem(subject: string): string | null {
  if (subject.length === 0) return 'a subject must not be empty';
  if (subject.length > MAX_SUBJECT_LENGTH) return `a subject is at most ${MAX_SUBJECT_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(subject)) return 'a subject must not contain whitespace or control characters';
  const tokens = subject.split('.');
  for (const [i, token] of tokens.entries()) {
    if (token === '') return 'a subject is dot-separated non-empty tokens (no leading, trailing or double dots)';
    if (token !== '*' && token.includes('*')) return '"*" must be a whole token, as in "orders.*.created"';
    if (token === '>' && i !== tokens.length - 1) return '">" may only be the last token, as in "orders.>"';
    if (token !== '>' && token.includes('>')) return '">" must be a whole token, as in "orders.>"';
  }
  return null;
}
