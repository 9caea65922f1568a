import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  ALL_GRANTS,
  createPrincipal,
  includesGrants,
  mayPublish,
  NarrowerRightsError,
  READ_GRANTS,
  type Access,
  type Principal,
} from '../../core/principal.js';
import { FilterError } from '../../core/filter.js';
import { LivegateError } from '../../errors.js';
import { AddressList, isLoopback } from './address-list.js';
import { DEFAULT_CLAIM_MAPPING, grantsFromClaims, type ClaimMapping } from './claims.js';
import { presentedCredential } from './credentials.js';
import type { JwtVerifier } from './jwt-verifier.js';
import type { PublishKeys } from './publish-keys.js';

export type { Access };

/** Options of {@link AuthGate}. */
export interface AuthGateOptions {
  /** `none`: reading is open; `jwt`: every read needs a verified token. Defaults to `none`. */
  readonly mode?: 'none' | 'jwt';
  /** The verifier; required with mode `jwt`. */
  readonly jwt?: JwtVerifier;
  /** Where the rights sit in a token. Defaults to {@link DEFAULT_CLAIM_MAPPING}. */
  readonly claims?: ClaimMapping;
  /** Publisher keys. Defaults to none. */
  readonly publishKeys?: PublishKeys;
  /** The admin token (all rights). Defaults to none. */
  readonly adminToken?: string;
  /** Addresses that may write without credentials (`auth.writeAllowFrom`). Defaults to none. */
  readonly writeAllowFrom?: AddressList;
}

/** One request or handshake to authenticate. */
export interface AuthRequest {
  readonly headers: IncomingHttpHeaders;
  /** The `access_token` query parameter, if any. */
  readonly accessToken?: string | undefined;
  /** The client address, resolved through trusted proxies. */
  readonly ip: string;
}

/** A reader without credentials while reading is open. */
const READER: Principal = createPrincipal({ id: 'anonymous', kind: 'anonymous', grants: READ_GRANTS });
/** A client on loopback or `auth.writeAllowFrom` while it needs no credentials. */
const LOCAL: Principal = createPrincipal({ id: 'anonymous', kind: 'local', grants: ALL_GRANTS });
/** The holder of `auth.adminToken`. */
const ADMIN: Principal = createPrincipal({ id: 'admin', kind: 'token', grants: ALL_GRANTS });

/**
 * The one place that reads credentials and decides access: every HTTP route (through the access
 * hook), SSE stream, WebSocket handshake, token refresh and poll asks it. Protected writes work as
 * Redis' protected mode: with no credentials configured, only loopback and `auth.writeAllowFrom`
 * may write; once any credential is configured, writes need one (`auth.writeAllowFrom` still may).
 */
export class AuthGate {
  readonly mode: 'none' | 'jwt';
  private readonly jwt: JwtVerifier | undefined;
  private readonly claims: ClaimMapping;
  private readonly keys: PublishKeys | undefined;
  private readonly adminToken: Buffer | null;
  private readonly allowFrom: AddressList;

  /** @throws {TypeError} when mode `jwt` has no verifier. */
  constructor(options: AuthGateOptions = {}) {
    this.mode = options.mode ?? 'none';
    if (this.mode === 'jwt' && options.jwt === undefined) {
      throw new TypeError('auth.mode jwt needs auth.jwt.secret, auth.jwt.publicKeyFile or auth.jwt.jwksUrl');
    }
    this.jwt = options.jwt;
    this.claims = options.claims ?? DEFAULT_CLAIM_MAPPING;
    this.keys = options.publishKeys;
    this.adminToken =
      options.adminToken === undefined || options.adminToken === '' ? null : Buffer.from(options.adminToken);
    this.allowFrom = options.writeAllowFrom ?? new AddressList([]);
  }

  /** Whether any credential (token verification, publisher key, admin token) is configured. */
  get credentialsConfigured(): boolean {
    return this.mode === 'jwt' || (this.keys?.size ?? 0) > 0 || this.adminToken !== null;
  }

  /** One line for the start-up log saying who may read and write. */
  describe(): string {
    const reading = this.mode === 'jwt' ? 'reading needs a token (auth.mode jwt)' : 'reading is open (auth.mode none)';
    const writing = this.credentialsConfigured
      ? `writing needs credentials${this.allowFrom.entries.length > 0 ? ' except from auth.writeAllowFrom' : ''}`
      : `writing is allowed from loopback${this.allowFrom.entries.length > 0 ? ' and auth.writeAllowFrom' : ''} only`;
    return `${reading}; ${writing}`;
  }

  /**
   * The principal of a request: from its credential when it presents one (a bad one is refused,
   * never ignored), else from its address. `null` means "no credential, and reading needs one".
   */
  async authenticate(request: AuthRequest, access: Access = 'write'): Promise<Principal | null> {
    const credential = presentedCredential(request.headers, request.accessToken);
    if (credential !== undefined) return this.principalOf(credential.secret, credential.user);
    // With tokens on, an address opens writes only: reading what every tenant sees needs a token.
    const reading = access === 'read' && this.mode === 'jwt';
    if (!reading && (this.allowFrom.has(request.ip) || (!this.credentialsConfigured && isLoopback(request.ip))))
      return LOCAL;
    return this.mode === 'jwt' ? null : READER;
  }

  /**
   * The principal of a token given outside a request (WebSocket `refresh`). Only tokens and keys
   * are accepted here; basic auth and addresses are not.
   */
  async principalOfToken(token: string): Promise<Principal> {
    if (token === '') throw new LivegateError('invalid_token', 'the token is empty');
    return this.principalOf(token, undefined);
  }

  /**
   * The principal of a WebSocket `refresh`: a valid token for the same subject that keeps every
   * right the connection holds. A token with fewer rights is refused with
   * {@link NarrowerRightsError}, on which the transport ends the connection: subscriptions are not
   * silently cut, and the old rights do not outlive the server learning they shrank.
   */
  async refresh(token: string, current: Principal): Promise<Principal> {
    const next = await this.principalOfToken(token);
    this.authorize(next, 'read', '');
    if (next.kind !== current.kind || next.subject !== current.subject) {
      throw new LivegateError('forbidden', 'the new token is for another subject; open a new connection for it', {
        field: 'token',
      });
    }
    if (!includesGrants(next.grants, current.grants)) throw new NarrowerRightsError();
    return next;
  }

  /**
   * Checks that `principal` may do `access` (and publish to every one of `topics`), throwing the
   * error a client should see: `unauthorized` when a credential is needed, `write_forbidden` naming
   * the setting that opens writes, `forbidden` when the credential lacks the right.
   */
  authorize(principal: Principal | null, access: Access, ip: string, topics: readonly string[] = []): Principal | null {
    if (access === 'public') return principal;
    if (principal === null) {
      throw new LivegateError(
        'unauthorized',
        'a token is required: send Authorization: Bearer <token>, the access_token parameter or the livegate_token cookie',
      );
    }
    if (principal.expiresAt !== null && principal.expiresAt <= Date.now()) {
      throw new LivegateError('token_expired', 'the token has expired; get a new one');
    }
    if (access === 'read') return principal;
    const allowed = access === 'admin' ? principal.isAdmin : principal.canPublish;
    if (!allowed) throw this.refusal(principal, access, ip);
    for (const [i, topic] of topics.entries()) {
      if (!mayPublish(principal, topic)) {
        throw new LivegateError('forbidden', `${principal.id} may not publish to topic "${topic}"`, {
          field: topics.length === 1 ? 'topic' : `topics[${i}]`,
        });
      }
    }
    return principal;
  }

  /** {@link authenticate} then {@link authorize}. */
  async require(request: AuthRequest, access: Access, topics?: readonly string[]): Promise<Principal | null> {
    if (access === 'public') return null;
    return this.authorize(await this.authenticate(request, access), access, request.ip, topics);
  }

  private refusal(principal: Principal, access: 'write' | 'admin', ip: string): LivegateError {
    const what = access === 'admin' ? 'this admin endpoint' : 'writing';
    if (principal.kind !== 'anonymous') {
      return new LivegateError('forbidden', `${principal.id} has no right to use ${what}`);
    }
    if (!this.credentialsConfigured) {
      return new LivegateError(
        'write_forbidden',
        `${what} is allowed only from loopback and auth.writeAllowFrom while no credentials are configured; ` +
          `add ${ip} (or its network) to auth.writeAllowFrom, or configure auth.publishKeys or auth.mode jwt`,
      );
    }
    return new LivegateError(
      'unauthorized',
      `${what} needs credentials: a publisher key (auth.publishKeys) or a token in Authorization: Bearer …`,
    );
  }

  private async principalOf(secret: string, user: string | undefined): Promise<Principal> {
    if (secret === '') {
      throw new LivegateError('invalid_token', 'the Authorization header must be "Bearer <token>" or "Basic …"');
    }
    if (this.adminToken !== null && user === undefined) {
      const given = Buffer.from(secret);
      if (given.length === this.adminToken.length && timingSafeEqual(given, this.adminToken)) return ADMIN;
    }
    const key = this.keys?.find(secret, user);
    if (key !== undefined) return key;
    if (this.jwt === undefined || user !== undefined || !looksLikeJwt(secret)) {
      throw new LivegateError('invalid_token', 'the credential is not a known key or token');
    }
    const verified = await this.jwt.verify(secret);
    const grants = grantsFromClaims(verified.payload, this.claims);
    try {
      return createPrincipal({
        id: verified.subject,
        subject: verified.subject,
        kind: 'jwt',
        expiresAt: verified.expiresAt,
        grants,
      });
    } catch (err) {
      if (err instanceof FilterError) {
        throw new LivegateError('invalid_token', `the token's rights are invalid: ${err.message}`, {
          field: err.field === 'match' ? 'match' : 'subscribe',
          cause: err,
        });
      }
      throw err;
    }
  }
}

function looksLikeJwt(secret: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(secret);
}
