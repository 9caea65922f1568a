/**
 * Names that belong to the server's own sources: the state topics (`alerts`, `silences`, `health`,
 * `stats`, `console` and any topic a registered reducer keeps) and the event sources (`livegate`,
 * `alertmanager/prod`, `ingest`, …). A reducer applies whatever arrives on its topic, so an event
 * published there by a client *is* the server's state: the health snapshot showed
 * `bus: unhealthy "pwned"` and fake alerts never resolved. A forged `source` makes a client's event
 * pass for the server's.
 *
 * The publish API asks {@link checkPublishNames} for every draft; the auth layer decides, through
 * `grantsExplicitly` in `principal.ts`, which principals may still write a reserved name (today: a
 * publisher key that lists the topic by its exact name).
 */

import { CONSOLE_TOPIC, STATE_TOPICS_BUILTIN } from '@livegate/protocol';
import { LivegateError } from '../errors.js';
import { grantsExplicitly, type Principal } from './principal.js';

/** Topics reserved whether or not their source runs on this server. */
export const BUILTIN_RESERVED_TOPICS: readonly string[] = Object.freeze([...STATE_TOPICS_BUILTIN, CONSOLE_TOPIC]);

/**
 * Source names reserved whether or not that source runs here; a name also covers its `name/…`
 * family (`alertmanager/prod`, `console/kafka-eu`).
 */
export const BUILTIN_RESERVED_SOURCES: readonly string[] = Object.freeze([
  'livegate',
  'alertmanager',
  'alertmanager-api',
  'alertmanager-probes',
  'alert-state',
  'ingest',
  'console',
  'demo',
  'health',
  'stats',
  'promql',
]);

/** The reserved topics and sources of one server: the built-in ones plus what it registers. */
export class ReservedNames {
  private readonly topics = new Set<string>(BUILTIN_RESERVED_TOPICS);
  private readonly sources = new Set<string>(BUILTIN_RESERVED_SOURCES);

  /** Reserves a topic (the hub does it for every registered state reducer). */
  reserveTopic(topic: string): void {
    this.topics.add(topic);
  }

  /** Reserves a source name and its `name/…` family (the server does it for every source it runs). */
  reserveSource(name: string): void {
    this.sources.add(sourceFamily(name));
  }

  /** Whether `topic` belongs to the server's own sources. */
  isReservedTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** Whether `source` is (or is in the family of) one of the server's own sources. */
  isReservedSource(source: string): boolean {
    return this.sources.has(source) || this.sources.has(sourceFamily(source));
  }
}

function sourceFamily(source: string): string {
  const slash = source.indexOf('/');
  return slash < 0 ? source : source.slice(0, slash);
}

/**
 * Refuses a draft a client may not publish: a reserved topic, or a reserved `source`, unless the
 * principal was granted the draft's topic explicitly (`grantsExplicitly`). Non-string fields are
 * left to draft validation.
 *
 * @param prefix the draft's path in the body (`[1].`), empty for a single draft.
 * @throws {LivegateError} `403 reserved_topic` on `topic`, `403 reserved_source` on `source`.
 */
export function checkPublishNames(reserved: ReservedNames, principal: Principal, draft: unknown, prefix = ''): void {
  if (typeof draft !== 'object' || draft === null) return;
  const { topic, source } = draft as { topic?: unknown; source?: unknown };
  if (typeof topic !== 'string') return;
  if (grantsExplicitly(principal, topic)) return;
  if (reserved.isReservedTopic(topic)) {
    throw new LivegateError(
      'reserved_topic',
      `topic "${topic}" holds state kept by livegate's own sources; publishers may not write it`,
      { field: `${prefix}topic` },
    );
  }
  if (typeof source === 'string' && reserved.isReservedSource(source)) {
    throw new LivegateError(
      'reserved_source',
      `source "${source.slice(0, 80)}" is one of livegate's own sources; publish under another name (default: api)`,
      { field: `${prefix}source` },
    );
  }
}
