/**
 * The path of an input field as told to API callers: `matchers[0].name`, `subjects[2]`, `body`
 * for the value itself. Validation errors (zod issue paths, hand-written checks) all name the field
 * this way, in the `field` of the error body.
 *
 * @module
 */

/** `['matchers', 0, 'name']` → `matchers[0].name`; `[]` → `body`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  const text = path.reduce<string>(
    (acc, part) =>
      typeof part === 'number' ? `${acc}[${part}]` : acc === '' ? String(part) : `${acc}.${String(part)}`,
    '',
  );
  return text === '' ? 'body' : text;
}
