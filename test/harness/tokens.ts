/**
 * Tokens for auth tests: real key pairs, real signatures (jose), and a real HTTP server serving a
 * JSON Web Key Set that a test can rotate while livegate runs.
 *
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose';

/** An asymmetric signing key with its id. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256' | 'EdDSA';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** SPKI PEM of the public key. */
  readonly publicPem: string;
}

/** Makes a key pair for `alg`, named `kid`. */
export async function makeSigningKey(kid: string, alg: SigningKey['alg'] = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/** Claims and timing of a test token. */
export interface TokenSpec {
  readonly sub?: string;
  readonly iss?: string;
  readonly aud?: string;
  /** Seconds from now until `exp`; `null` for no `exp`. Defaults to 300. */
  readonly expiresIn?: number | null;
  /** Seconds from now until `nbf`. Defaults to none. */
  readonly notBeforeIn?: number;
  /** Extra claims (e.g. `{ livegate: { subscribe: ['alerts'] } }`). */
  readonly claims?: JWTPayload;
}

function builder(spec: TokenSpec): SignJWT {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...spec.claims }).setIssuedAt(now).setSubject(spec.sub ?? 'user-1');
  if (spec.iss !== undefined) jwt.setIssuer(spec.iss);
  if (spec.aud !== undefined) jwt.setAudience(spec.aud);
  const expiresIn = spec.expiresIn === undefined ? 300 : spec.expiresIn;
  if (expiresIn !== null) jwt.setExpirationTime(now + expiresIn);
  if (spec.notBeforeIn !== undefined) jwt.setNotBefore(now + spec.notBeforeIn);
  return jwt;
}

/** Signs a token with an asymmetric key, `kid` in the header. */
export async function signWithKey(key: SigningKey, spec: TokenSpec = {}): Promise<string> {
  return builder(spec).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
}

/** Signs an HS256 token with a shared secret (or any bytes, such as a public key's PEM). */
export async function signHs256(secret: string | Uint8Array, spec: TokenSpec = {}): Promise<string> {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return builder(spec).setProtectedHeader({ alg: 'HS256' }).sign(bytes);
}

/** An unsigned `alg: none` token. */
export function unsignedToken(payload: JWTPayload): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

/** The token with its payload replaced, keeping header and signature. */
export function tamperPayload(token: string, change: (payload: JWTPayload) => JWTPayload): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload;
  return `${header}.${Buffer.from(JSON.stringify(change(decoded))).toString('base64url')}.${signature}`;
}

/** A local JWKS endpoint. */
export interface JwksServer {
  readonly url: string;
  /** Number of times the key set was fetched. */
  readonly fetches: number;
  /** Replaces the served keys (rotation). */
  setKeys(keys: readonly SigningKey[]): void;
  close(): Promise<void>;
}

/** Serves `keys` as a JWKS at `http://127.0.0.1:<port>/jwks.json`. */
export async function startJwksServer(keys: readonly SigningKey[]): Promise<JwksServer> {
  let current = keys;
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: current.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    get fetches() {
      return fetches;
    },
    setKeys(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A 48-byte secret for HS256 tests. */
export const TEST_SECRET = 'livegate-test-secret-0123456789-abcdefghijklmnop';
