import type { JWTPayload } from 'jose';
import { z } from 'zod';
import { MAX_FILTER_ENTRIES } from '../../core/filter.js';
import { NO_GRANTS, type Grants } from '../../core/principal.js';
import { LivegateError } from '../../errors.js';

/** Where the rights sit inside a token. */
export interface ClaimMapping {
  /** Name of the claim holding the rights object; `''` means the token's payload itself. Defaults to `livegate`. */
  readonly claim: string;
  /** Dotted paths inside that object, per right. Each defaults to its own name (`subscribe`, `match`, …). */
  readonly paths: Readonly<Record<keyof Grants, string>>;
}

/** The default mapping: `{"livegate":{"subscribe":[…],"match":[…],"namespaces":[…],"publish":[…],"admin":true}}`. */
export const DEFAULT_CLAIM_MAPPING: ClaimMapping = Object.freeze({
  claim: 'livegate',
  paths: Object.freeze({
    subscribe: 'subscribe',
    match: 'match',
    namespaces: 'namespaces',
    publish: 'publish',
    admin: 'admin',
  }),
});

/** Longest string accepted in a rights list. */
const MAX_ENTRY_LENGTH = 1024;

const entry = z.string().min(1).max(MAX_ENTRY_LENGTH);
/** A list, or a space-separated string as OAuth `scope`-like claims are written. */
const names = z.union([
  z.array(entry).max(MAX_FILTER_ENTRIES),
  z
    .string()
    .max(MAX_ENTRY_LENGTH * 4)
    .transform((s) => s.split(/\s+/).filter((p) => p !== ''))
    .pipe(z.array(entry).max(MAX_FILTER_ENTRIES)),
]);
/** Matchers contain spaces, so a single string is one matcher. */
const matchers = z.union([z.array(entry).max(MAX_FILTER_ENTRIES), entry.transform((s) => [s])]);

/**
 * Reads the rights of a verified token. A missing claim means no rights at all; inside it, a
 * missing list means none of that right and a missing `admin` means false. A claim of the wrong
 * shape is refused (`invalid_token`, naming the path) rather than guessed at.
 */
export function grantsFromClaims(payload: JWTPayload, mapping: ClaimMapping = DEFAULT_CLAIM_MAPPING): Grants {
  const root: unknown = mapping.claim === '' ? payload : payload[mapping.claim];
  if (root === undefined || root === null) return NO_GRANTS;
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw new LivegateError('invalid_token', `the token's "${mapping.claim}" claim must be an object`, {
      field: mapping.claim,
    });
  }
  const read = <T>(right: keyof Grants, schema: z.ZodType<T>, fallback: T): T => {
    const path = mapping.paths[right];
    const value = lookup(root as Record<string, unknown>, path);
    if (value === undefined || value === null) return fallback;
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const at = mapping.claim === '' ? path : `${mapping.claim}.${path}`;
      throw new LivegateError(
        'invalid_token',
        `the token's "${at}" claim is invalid: ${parsed.error.issues[0]?.message ?? 'wrong shape'}`,
        { field: at },
      );
    }
    return parsed.data;
  };
  return Object.freeze({
    subscribe: Object.freeze(read('subscribe', names, [] as string[])),
    match: Object.freeze(read('match', matchers, [] as string[])),
    namespaces: Object.freeze(read('namespaces', names, [] as string[])),
    publish: Object.freeze(read('publish', names, [] as string[])),
    admin: read('admin', z.boolean(), false),
  });
}

function lookup(root: Record<string, unknown>, path: string): unknown {
  let value: unknown = root;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
