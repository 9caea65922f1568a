import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LivegateError } from '../errors.js';
import { ALL_GRANTS, ANONYMOUS, createPrincipal, READ_GRANTS, type Principal } from '../core/principal.js';

/** The principal of a caller holding the admin token. */
const ADMIN: Principal = createPrincipal({ id: 'admin', kind: 'token', grants: ALL_GRANTS });

/** An anonymous reader while an admin token protects publishing and administration. */
const READER: Principal = createPrincipal({ id: 'anonymous', kind: 'anonymous', grants: READ_GRANTS });

/**
 * Establishes the principal of a request or handshake. This is the only place that reads
 * credentials; transports receive a {@link Principal} and check nothing themselves.
 */
export class Authenticator {
  private readonly adminToken: Buffer | null;

  constructor(adminToken: string) {
    this.adminToken = adminToken === '' ? null : Buffer.from(adminToken);
  }

  /** The principal for these headers and query (`access_token` for clients that cannot set headers). */
  authenticate(headers: IncomingHttpHeaders, accessToken?: string): Principal {
    if (this.adminToken === null) return ANONYMOUS;
    const token = bearer(headers.authorization) ?? accessToken;
    if (token === undefined) return READER;
    const given = Buffer.from(token);
    if (given.length === this.adminToken.length && timingSafeEqual(given, this.adminToken)) return ADMIN;
    throw new LivegateError('unauthorized', 'the bearer token is not valid');
  }
}

/** Throws `unauthorized`/`forbidden` unless the principal may publish. */
export function requirePublisher(principal: Principal): void {
  if (principal.canPublish) return;
  throw new LivegateError(
    principal.kind === 'anonymous' ? 'unauthorized' : 'forbidden',
    'publishing requires the admin token (Authorization: Bearer …)',
  );
}

/** Throws `unauthorized`/`forbidden` unless the principal may administer connections. */
export function requireAdmin(principal: Principal): void {
  if (principal.isAdmin) return;
  throw new LivegateError(
    principal.kind === 'anonymous' ? 'unauthorized' : 'forbidden',
    'this endpoint requires the admin token (Authorization: Bearer …)',
  );
}

function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}
