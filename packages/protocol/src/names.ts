/**
 * The rules for every name that appears in an event or a filter: topics, types, sources and
 * labels. They live in one place so that the hub (validating drafts), the filter compiler
 * (validating subscriptions) and the docs all say the same thing.
 *
 * Each rule comes as a pattern, a predicate and a human sentence for error messages. The
 * predicates take `string` but check `typeof` anyway, because they guard values that arrive as
 * parsed JSON and `RegExp.prototype.test` would happily stringify `undefined` into a match.
 */

/** Pattern of a topic, e.g. `alerts` or `console.logs`. */
export const TOPIC_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** {@link TOPIC_PATTERN} in words, for error messages. */
export const TOPIC_RULE = "1–64 chars: lowercase letters, digits, '_', '-', '.'; starts with a letter or digit";

/** Pattern of an event type, e.g. `alert_firing` or `k8s:pod.restart`. */
export const TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** {@link TYPE_PATTERN} in words, for error messages. */
export const TYPE_RULE = "1–64 chars: letters, digits, '_', '-', '.', ':'; starts with a letter or digit";

/** Pattern of an event source, e.g. `alertmanager/prod` or `promql:cpu@eu-1`. */
export const SOURCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}$/;

/** {@link SOURCE_PATTERN} in words, for error messages. */
export const SOURCE_RULE = "1–128 chars: letters, digits, '_', '-', '.', ':', '/', '@'; starts with a letter or digit";

/** Pattern of a label name, as in Prometheus. Length is limited separately ({@link MAX_LABEL_NAME_LENGTH}). */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Longest accepted label name. */
export const MAX_LABEL_NAME_LENGTH = 128;

/** {@link LABEL_NAME_PATTERN} and {@link MAX_LABEL_NAME_LENGTH} in words, for error messages. */
export const LABEL_NAME_RULE = "1–128 chars: letters, digits, '_'; starts with a letter or '_'";

/** Longest accepted label value. */
export const MAX_LABEL_VALUE_LENGTH = 1024;

/** Most labels one event may carry. */
export const MAX_LABELS = 64;

/** Whether `s` is a valid topic (see {@link TOPIC_RULE}). */
export function isValidTopic(s: string): boolean {
  return typeof s === 'string' && TOPIC_PATTERN.test(s);
}

/** Whether `s` is a valid event type (see {@link TYPE_RULE}). */
export function isValidType(s: string): boolean {
  return typeof s === 'string' && TYPE_PATTERN.test(s);
}

/** Whether `s` is a valid event source (see {@link SOURCE_RULE}). */
export function isValidSource(s: string): boolean {
  return typeof s === 'string' && SOURCE_PATTERN.test(s);
}

/** Whether `s` is a valid label name (see {@link LABEL_NAME_RULE}). */
export function isValidLabelName(s: string): boolean {
  return typeof s === 'string' && s.length <= MAX_LABEL_NAME_LENGTH && LABEL_NAME_PATTERN.test(s);
}

/**
 * Checks an event's labels: a plain object (or one without prototype) of at most
 * {@link MAX_LABELS} entries, each a valid label name mapped to a string of at most
 * {@link MAX_LABEL_VALUE_LENGTH} chars.
 *
 * `__proto__` is refused although it fits the Prometheus pattern: copying such a label with a
 * plain assignment would replace the copy's prototype instead of adding a label.
 *
 * @returns a message naming the first bad label, or `null` when the labels are valid.
 */
export function validateLabels(value: unknown): string | null {
  if (!isPlainObject(value)) {
    return `labels must be an object of label names to string values, got ${describeType(value)}`;
  }
  const names = Object.keys(value);
  if (names.length > MAX_LABELS) {
    return `too many labels: ${names.length}; max ${MAX_LABELS}`;
  }
  for (const name of names) {
    if (!isValidLabelName(name)) {
      return `invalid label name ${show(name)}: ${LABEL_NAME_RULE}`;
    }
    if (name === '__proto__') {
      return `label name "__proto__" is reserved`;
    }
    const labelValue = value[name];
    if (typeof labelValue !== 'string') {
      return `label ${show(name)} must have a string value, got ${describeType(labelValue)}`;
    }
    if (labelValue.length > MAX_LABEL_VALUE_LENGTH) {
      return `label ${show(name)} has a value of ${labelValue.length} chars; max ${MAX_LABEL_VALUE_LENGTH}`;
    }
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isPlainObject(value)) return 'object';
  if (typeof value === 'object') {
    const ctor: unknown = (value as { constructor?: unknown }).constructor;
    return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'object';
  }
  return typeof value;
}

// Names in messages may be hostile (huge, control characters): JSON quoting keeps a message on one
// line and the cut keeps it short.
function show(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}
