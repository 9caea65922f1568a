import { LivegateError } from '../errors.js';
import { compileFilter, FilterError, intersectFilters, type CompiledFilter } from './filter.js';

/**
 * Who is on the other end of a connection. While auth is off every connection carries
 * {@link ANONYMOUS}; an authenticator (tokens, JWT) produces richer principals. Topic access and
 * forced filters are enforced in {@link authorizeFilter} and nowhere else.
 */
export interface Principal {
  /** Stable id for logs and the connections list (`anonymous`, a token name, a JWT `sub`). */
  readonly id: string;
  /** How the principal was established. */
  readonly kind: 'anonymous' | 'token' | 'jwt';
  /** Topics this principal may read; `null` means every topic. */
  readonly topics: ReadonlySet<string> | null;
  /** A filter ANDed into every subscription (e.g. `{team="db"}`), or `null`. */
  readonly forced: CompiledFilter | null;
  /** Whether this principal may publish events. */
  readonly canPublish: boolean;
  /** Whether this principal may list and close connections. */
  readonly isAdmin: boolean;
}

/** The principal of every connection while authentication is off. */
export const ANONYMOUS: Principal = Object.freeze({
  id: 'anonymous',
  kind: 'anonymous',
  topics: null,
  forced: null,
  canPublish: true,
  isAdmin: true,
});

/**
 * Applies a principal's topic access and forced filter to a requested filter. A request for every
 * topic is narrowed to the allowed ones; an explicit forbidden topic is refused with `forbidden`.
 */
export function authorizeFilter(principal: Principal, requested: CompiledFilter): CompiledFilter {
  let filter = requested;
  if (principal.topics !== null && principal.topics.size === 0) {
    // An empty allow-list compiles to "no restriction"; it must mean "nothing" instead.
    throw new LivegateError('forbidden', `${principal.id} may not read any topic`, { field: 'topics' });
  }
  try {
    filter = narrow(principal, filter);
  } catch (err) {
    if (err instanceof FilterError) {
      throw new LivegateError('forbidden', `the requested ${err.field} are outside what ${principal.id} may read`, {
        field: err.field,
        cause: err,
      });
    }
    throw err;
  }
  return filter;
}

function narrow(principal: Principal, requested: CompiledFilter): CompiledFilter {
  let filter = requested;
  if (principal.topics !== null) {
    const allowed = principal.topics;
    const asked = requested.spec.topics;
    for (let i = 0; i < asked.length; i++) {
      const topic = asked[i]!;
      const permitted = topic.endsWith('*')
        ? [...allowed].some((t) => t.startsWith(topic.slice(0, -1)))
        : allowed.has(topic);
      if (!permitted) {
        throw new LivegateError('forbidden', `topic "${topic}" is not allowed for ${principal.id}`, {
          field: `topics[${i}]`,
        });
      }
    }
    filter = intersectFilters(filter, compileFilter({ topics: [...allowed] }));
  }
  if (principal.forced !== null) filter = intersectFilters(filter, principal.forced);
  return filter;
}
