import { createHash } from 'node:crypto';
import { createPrincipal, type Principal } from '../../core/principal.js';

/** One publisher key as configured: only the SHA-256 of the key is ever stored. */
export interface PublishKeyConfig {
  /** Name shown in logs and the connections list; also the basic-auth user name. */
  readonly name: string;
  /** Lowercase hex SHA-256 of the key (`printf %s "$KEY" | sha256sum`). */
  readonly sha256: string;
  /** Topics and `prefix*` patterns the key may publish to. Reserved topics must be named exactly. */
  readonly topics: readonly string[];
  /** Whether the key may also use the admin endpoints. Defaults to false. */
  readonly admin?: boolean;
}

/**
 * Looks publisher keys up by the SHA-256 of what a client presents. Comparing digests in a map
 * leaks nothing useful through timing: an attacker learns about hashes, not about the key.
 */
export class PublishKeys {
  private readonly byHash = new Map<string, Principal>();

  /** @throws {TypeError} on a duplicate name or digest, or an invalid topic pattern. */
  constructor(keys: readonly PublishKeyConfig[]) {
    const names = new Set<string>();
    for (const [i, key] of keys.entries()) {
      const hash = key.sha256.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hash)) {
        throw new TypeError(`auth.publishKeys[${i}].sha256 must be 64 hex digits (the SHA-256 of the key)`);
      }
      if (names.has(key.name)) throw new TypeError(`auth.publishKeys[${i}].name "${key.name}" is used twice`);
      if (this.byHash.has(hash)) throw new TypeError(`auth.publishKeys[${i}].sha256 is the same as another key's`);
      names.add(key.name);
      let principal: Principal;
      try {
        principal = createPrincipal({
          id: key.name,
          kind: 'key',
          grants: { subscribe: [], match: [], namespaces: [], publish: key.topics, admin: key.admin ?? false },
        });
      } catch (err) {
        throw new TypeError(`auth.publishKeys[${i}].topics: ${(err as Error).message}`, { cause: err });
      }
      this.byHash.set(hash, principal);
    }
  }

  /** Whether any key is configured. */
  get size(): number {
    return this.byHash.size;
  }

  /**
   * The principal of the key `secret`, or `undefined` when it is not a configured key. With a
   * `user` (basic auth) the key's name must be that user.
   */
  find(secret: string, user?: string): Principal | undefined {
    const principal = this.byHash.get(sha256Hex(secret));
    if (principal === undefined) return undefined;
    if (user !== undefined && user !== '' && user !== principal.id) return undefined;
    return principal;
  }
}

/** Lowercase hex SHA-256 of a UTF-8 string. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
