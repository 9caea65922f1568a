import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWSHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { LivegateError } from '../../errors.js';

/** Options of {@link JwtVerifier}. Exactly one of `secret`, `publicKeyFile` and `jwksUrl` is required. */
export interface JwtVerifierOptions {
  /** Shared secret for HS256/HS384/HS512 tokens, at least 32 bytes. Defaults to none. */
  readonly secret?: string;
  /** PEM file with an RSA, EC or Ed25519 public key (SPKI or certificate). Defaults to none. */
  readonly publicKeyFile?: string;
  /** URL of a JSON Web Key Set; cached and fetched again when a token names an unknown `kid`. Defaults to none. */
  readonly jwksUrl?: string;
  /** Required `iss`. Defaults to none (not checked). */
  readonly issuer?: string;
  /** Required `aud` (one of the token's audiences). Defaults to none (not checked). */
  readonly audience?: string;
  /** Tolerance for `exp` and `nbf`, in seconds. Defaults to 30. */
  readonly clockSkewSeconds?: number;
  /** Longest accepted token in bytes; longer ones are refused before any parsing. Defaults to 8192. */
  readonly maxTokenBytes?: number;
  /** Shortest time between two JWKS fetches caused by unknown `kid`s, in ms. Defaults to 30000. */
  readonly jwksCooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again, in ms. Defaults to 600000. */
  readonly jwksCacheMaxAgeMs?: number;
  /** Timeout of a JWKS fetch, in ms. Defaults to 5000. */
  readonly jwksTimeoutMs?: number;
}

/** A token that passed every check. */
export interface VerifiedToken {
  readonly payload: JWTPayload;
  /** The `sub` claim. */
  readonly subject: string;
  /**
   * When the server stops accepting the token, in ms since the epoch: `exp` plus
   * `clockSkewSeconds`, the same tolerance {@link JwtVerifier.verify} grants at connect, so a
   * connection lives exactly as long as its token would still be accepted. `null` without `exp`.
   */
  readonly expiresAt: number | null;
}

type Algorithm = string;

const HMAC: readonly Algorithm[] = ['HS256', 'HS384', 'HS512'];
const RSA: readonly Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const ASYMMETRIC: readonly Algorithm[] = [...RSA, 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * Verifies JWTs with `jose`: signature with one configured key source, `alg` restricted to what
 * that key can verify (so an HS256 token signed with an RSA public key is refused, never checked
 * as HMAC), `exp`/`nbf` with a clock skew, and `iss`/`aud` when configured. Every refusal is a
 * {@link LivegateError}: `token_expired`, `invalid_token`, or `auth_unavailable` when the key set
 * cannot be fetched. Messages never contain the token.
 */
export class JwtVerifier {
  private readonly key: KeyObject | JWTVerifyGetKey;
  private readonly algorithms: readonly Algorithm[];
  private readonly issuer: string | undefined;
  private readonly audience: string | undefined;
  private readonly clockSkewSeconds: number;
  private readonly maxTokenBytes: number;

  /** @throws {TypeError} when the key source is missing, ambiguous or unusable. */
  constructor(options: JwtVerifierOptions) {
    const sources = [options.secret, options.publicKeyFile, options.jwksUrl].filter((s) => s !== undefined && s !== '');
    if (sources.length !== 1) {
      throw new TypeError(
        'auth.mode jwt needs exactly one key source: auth.jwt.secret, auth.jwt.publicKeyFile or auth.jwt.jwksUrl',
      );
    }
    this.issuer = options.issuer === '' ? undefined : options.issuer;
    this.audience = options.audience === '' ? undefined : options.audience;
    this.clockSkewSeconds = options.clockSkewSeconds ?? 30;
    this.maxTokenBytes = options.maxTokenBytes ?? 8192;
    if (options.secret !== undefined && options.secret !== '') {
      if (Buffer.byteLength(options.secret) < 32) {
        throw new TypeError('auth.jwt.secret must be at least 32 bytes; generate one with `openssl rand -base64 48`');
      }
      this.key = createSecretKey(Buffer.from(options.secret));
      this.algorithms = HMAC;
    } else if (options.publicKeyFile !== undefined && options.publicKeyFile !== '') {
      const key = readPublicKey(options.publicKeyFile);
      this.key = key;
      this.algorithms = algorithmsFor(key, options.publicKeyFile);
    } else {
      let url: URL;
      try {
        url = new URL(options.jwksUrl!);
      } catch {
        throw new TypeError(`auth.jwt.jwksUrl is not a URL: ${JSON.stringify(options.jwksUrl)}`);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new TypeError('auth.jwt.jwksUrl must be an http: or https: URL');
      }
      this.key = createRemoteJWKSet(url, {
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
        timeoutDuration: options.jwksTimeoutMs ?? 5_000,
      });
      this.algorithms = ASYMMETRIC;
    }
  }

  /** Verifies `token`; resolves with its payload or rejects with a {@link LivegateError}. */
  async verify(token: string): Promise<VerifiedToken> {
    if (token.length > this.maxTokenBytes) {
      throw new LivegateError('invalid_token', `the token is longer than ${this.maxTokenBytes} bytes`);
    }
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: [...this.algorithms],
        clockTolerance: this.clockSkewSeconds,
        ...(this.issuer === undefined ? {} : { issuer: this.issuer }),
        ...(this.audience === undefined ? {} : { audience: this.audience }),
      };
      const result =
        typeof this.key === 'function'
          ? await jwtVerify(token, this.key as (header: JWSHeaderParameters) => Promise<KeyObject>, options)
          : await jwtVerify(token, this.key, options);
      payload = result.payload;
    } catch (err) {
      throw translate(err);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 256) {
      throw new LivegateError('invalid_token', 'the token has no "sub" claim (1–256 characters)');
    }
    return {
      payload,
      subject: payload.sub,
      expiresAt: typeof payload.exp === 'number' ? (payload.exp + this.clockSkewSeconds) * 1000 : null,
    };
  }
}

function translate(err: unknown): LivegateError {
  if (err instanceof joseErrors.JWTExpired) {
    return new LivegateError('token_expired', 'the token has expired; get a new one', { cause: err });
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const why =
      err.claim === 'nbf'
        ? 'the token is not valid yet (nbf)'
        : err.claim === 'iss'
          ? 'the token has the wrong issuer (iss)'
          : err.claim === 'aud'
            ? 'the token has the wrong audience (aud)'
            : `the token's "${err.claim.slice(0, 32)}" claim is invalid`;
    return new LivegateError('invalid_token', why, { cause: err });
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return new LivegateError('invalid_token', 'the token is signed with an algorithm this server does not accept', {
      cause: err,
    });
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) {
    return new LivegateError('invalid_token', 'no key in auth.jwt.jwksUrl matches the token (kid)', { cause: err });
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new LivegateError('invalid_token', 'the token signature does not verify', { cause: err });
  }
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || isFetchFailure(err)) {
    return new LivegateError('auth_unavailable', undefined, { cause: err });
  }
  if (err instanceof joseErrors.JOSEError || err instanceof TypeError) {
    return new LivegateError('invalid_token', 'the token is malformed', { cause: err });
  }
  return new LivegateError('invalid_token', 'the token could not be verified', { cause: err });
}

function isFetchFailure(err: unknown): boolean {
  // A non-200 or non-JSON key set answer is a generic JOSEError; a refused connection is undici's TypeError.
  if (err instanceof joseErrors.JOSEError)
    return err.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(err.message);
  return err instanceof TypeError && /fetch failed/.test(err.message);
}

function readPublicKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TypeError(`auth.jwt.publicKeyFile ${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new TypeError(`auth.jwt.publicKeyFile ${file} holds no PEM public key or certificate`, { cause: err });
  }
}

function algorithmsFor(key: KeyObject, file: string): readonly Algorithm[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return RSA;
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return ['ES256'];
      if (curve === 'secp384r1') return ['ES384'];
      if (curve === 'secp521r1') return ['ES512'];
      throw new TypeError(`auth.jwt.publicKeyFile ${file}: EC curve ${String(curve)} is not supported`);
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new TypeError(
        `auth.jwt.publicKeyFile ${file}: ${String(key.asymmetricKeyType)} keys are not supported (use RSA, EC or Ed25519)`,
      );
  }
}
