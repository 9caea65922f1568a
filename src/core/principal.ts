import { LivegateError } from '../errors.js';
import { compileFilter, FilterError, intersectFilters, type CompiledFilter } from './filter.js';
import { TopicPatterns } from './topic-patterns.js';

/**
 * What a route or stream needs: `public` (probes, the dashboard's files), `read` (streams, polls,
 * snapshots), `write` (publish, alert ingest, webhook, silences) or `admin` (connections API, metric
 * stream status and close, console writes). A route declares it in its Fastify config
 * (`{ config: { access: 'write', writesTopics: ['alerts'] } }`); untagged routes are `read` for
 * GET/HEAD and `write` for every other method, so a route that forgets its tag is protected.
 */
export type Access = 'public' | 'read' | 'write' | 'admin';

/**
 * The rights a credential carries, as written in a token's claim or a publisher key: what the
 * principal may read (`subscribe`, narrowed by every `match`), which PromQL namespaces it may query,
 * what it may publish and whether it may administer. `null` lists mean "no restriction".
 */
export interface Grants {
  /** Topic patterns it may read; `null` = every topic, `[]` = none. */
  readonly subscribe: readonly string[] | null;
  /** Matcher strings (`{team="a"}`), each AND-ed into everything it reads. */
  readonly match: readonly string[];
  /** PromQL namespaces it may query; `null` = every namespace, `[]` = none. */
  readonly namespaces: readonly string[] | null;
  /** Topic patterns it may publish to; `null` = every topic, `[]` = none. */
  readonly publish: readonly string[] | null;
  /** Whether it may use the admin endpoints (connections API, console writes). */
  readonly admin: boolean;
}

/**
 * Who is on the other end of a request or connection, built by the auth layer (`src/http/auth`).
 * Every subscribe, snapshot, resume, poll, metric stream and publish asks it, through
 * {@link authorizeFilter} and {@link mayPublish}, and nowhere else.
 */
export interface Principal {
  /** Stable name for logs and the connections list (`anonymous`, `local`, a key name, a JWT `sub`). */
  readonly id: string;
  /** The subject a refreshed token must keep (JWT `sub`; the key name; `anonymous`/`local`). */
  readonly subject: string;
  /**
   * How it was established: `anonymous` (no credentials, read-only), `local` (loopback or
   * `auth.writeAllowFrom`, no credentials), `token` (the admin token), `key` (a publisher key),
   * `jwt` (a verified token).
   */
  readonly kind: 'anonymous' | 'local' | 'token' | 'key' | 'jwt';
  /** When the credential stops being valid (ms since the epoch), or `null` for never. */
  readonly expiresAt: number | null;
  /** The grants it was built from (compared on token refresh). */
  readonly grants: Grants;
  /** Topics it may read; `null` means every topic. */
  readonly topics: TopicPatterns | null;
  /** The AND of its `match` grants, intersected into every subscription; `null` when none. */
  readonly forced: CompiledFilter | null;
  /** PromQL namespaces it may query; `null` means every namespace. */
  readonly namespaces: readonly string[] | null;
  /** Topics it may publish to; `null` means every topic. */
  readonly publishTopics: TopicPatterns | null;
  /** Whether it may publish at all (to some topic). */
  readonly canPublish: boolean;
  /** Whether it may use admin endpoints. */
  readonly isAdmin: boolean;
}

/** Rights of a principal that may do everything (loopback in protected mode, the admin token). */
export const ALL_GRANTS: Grants = Object.freeze({
  subscribe: null,
  match: Object.freeze([]),
  namespaces: null,
  publish: null,
  admin: true,
});

/** Rights of a reader without credentials while `auth.mode` is `none`: read everything, write nothing. */
export const READ_GRANTS: Grants = Object.freeze({
  subscribe: null,
  match: Object.freeze([]),
  namespaces: null,
  publish: Object.freeze([]),
  admin: false,
});

/** Rights of a token whose claim is missing: nothing. */
export const NO_GRANTS: Grants = Object.freeze({
  subscribe: Object.freeze([]),
  match: Object.freeze([]),
  namespaces: Object.freeze([]),
  publish: Object.freeze([]),
  admin: false,
});

/**
 * Builds a principal from its grants, compiling topic patterns and matchers once.
 *
 * @throws {FilterError} when a topic pattern or a matcher in the grants is invalid; the field is
 *   `topics` for `subscribe`/`publish` and `match` for matchers.
 */
export function createPrincipal(init: {
  id: string;
  subject?: string;
  kind: Principal['kind'];
  expiresAt?: number | null;
  grants: Grants;
}): Principal {
  const { grants } = init;
  const topics = grants.subscribe === null ? null : TopicPatterns.compile(grants.subscribe);
  const publishTopics = grants.publish === null ? null : TopicPatterns.compile(grants.publish);
  let forced: CompiledFilter | null = null;
  // Each matcher string is its own clause: they are AND-ed, so a second one can only narrow.
  for (const matcher of grants.match) {
    const clause = compileFilter({ match: [matcher] });
    forced = forced === null ? clause : intersectFilters(forced, clause);
  }
  return Object.freeze({
    id: init.id,
    subject: init.subject ?? init.id,
    kind: init.kind,
    expiresAt: init.expiresAt ?? null,
    grants,
    topics,
    forced,
    namespaces: grants.namespaces === null ? null : Object.freeze([...grants.namespaces]),
    publishTopics,
    canPublish: publishTopics === null || publishTopics.size > 0,
    isAdmin: grants.admin,
  });
}

/** The principal of every reader while authentication is off and writes come from a trusted address. */
export const ANONYMOUS: Principal = createPrincipal({ id: 'anonymous', kind: 'anonymous', grants: ALL_GRANTS });

/**
 * Applies a principal's topic rights and forced matchers to a requested filter. A request for every
 * topic, or a pattern that overlaps the rights, is narrowed to them; an exact topic outside them or
 * a pattern with nothing in common is refused with `forbidden`.
 */
export function authorizeFilter(principal: Principal, requested: CompiledFilter): CompiledFilter {
  const allowed = principal.topics;
  let filter = requested;
  if (allowed !== null) {
    if (allowed.size === 0) {
      throw new LivegateError('forbidden', `${principal.id} may not read any topic`, { field: 'topics' });
    }
    const asked = requested.spec.topics;
    for (let i = 0; i < asked.length; i++) {
      const topic = asked[i]!;
      const permitted = topic.endsWith('*') ? allowed.overlaps(topic.slice(0, -1)) : allowed.covers(topic);
      if (!permitted) {
        throw new LivegateError('forbidden', `topic "${topic}" is not allowed for ${principal.id}`, {
          field: `topics[${i}]`,
        });
      }
    }
    if (!allowed.all) filter = narrow(principal, filter, allowed.asFilter());
  }
  if (principal.forced !== null) filter = narrow(principal, filter, principal.forced);
  return filter;
}

/** Whether `principal` may publish an event on `topic`. */
export function mayPublish(principal: Principal, topic: string): boolean {
  return principal.publishTopics === null ? principal.canPublish : principal.publishTopics.covers(topic);
}

/**
 * Whether `principal` was granted `topic` by name. Reserved topics (state the server's own sources
 * keep: `alerts`, `health`, …) may be published only by a publisher key that lists them exactly.
 */
export function grantsExplicitly(principal: Principal, topic: string): boolean {
  return principal.kind === 'key' && principal.publishTopics !== null && principal.publishTopics.namesExactly(topic);
}

/**
 * Whether `next` grants everything `current` does, so a connection may switch to it without losing
 * rights it is using. A new matcher, a removed topic or namespace, or lost admin are all fewer rights.
 */
export function includesGrants(next: Grants, current: Grants): boolean {
  const topicsIn = (a: readonly string[] | null, b: readonly string[] | null): boolean =>
    a === null || (b !== null && TopicPatterns.compile(a).includes(TopicPatterns.compile(b)));
  if (!topicsIn(next.subscribe, current.subscribe)) return false;
  if (!topicsIn(next.publish, current.publish)) return false;
  if (next.match.some((m) => !current.match.includes(m))) return false;
  if (
    next.namespaces !== null &&
    (current.namespaces === null || current.namespaces.some((n) => !next.namespaces!.includes(n)))
  )
    return false;
  return next.admin || !current.admin;
}

function narrow(principal: Principal, filter: CompiledFilter, by: CompiledFilter): CompiledFilter {
  try {
    return intersectFilters(filter, by);
  } catch (err) {
    if (err instanceof FilterError) {
      throw new LivegateError('forbidden', `the requested ${err.field} are outside what ${principal.id} may read`, {
        field: err.field,
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * A WebSocket `refresh` refused because the new token grants fewer rights than the connection
 * holds. The token is not adopted, and the connection does not keep the old rights either: the
 * server now knows they shrank, so the transport ends the connection (`forbidden`, close 4003) and
 * the client reconnects with the new token under its narrower rights, resuming from its last id.
 */
export class NarrowerRightsError extends LivegateError {
  constructor() {
    super(
      'forbidden',
      'the new token grants fewer rights than the connection holds; reconnect with it (resume from the last event id)',
      { field: 'token' },
    );
  }
}
