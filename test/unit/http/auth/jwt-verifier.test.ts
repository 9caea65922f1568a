import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivegateError } from '../../../../src/errors.js';
import { JwtVerifier } from '../../../../src/http/auth/jwt-verifier.js';
import {
  makeSigningKey,
  signHs256,
  signWithKey,
  startJwksServer,
  tamperPayload,
  TEST_SECRET,
  unsignedToken,
  type JwksServer,
  type SigningKey,
} from '../../../harness/tokens.js';

async function refusal(promise: Promise<unknown>): Promise<LivegateError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the token to be refused');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LivegateError);
  return err as LivegateError;
}

describe('JwtVerifier with an HS256 secret', () => {
  const verifier = new JwtVerifier({ secret: TEST_SECRET, issuer: 'https://idp.test', audience: 'livegate' });
  const good = { iss: 'https://idp.test', aud: 'livegate' };

  it('accepts a valid token and reports its subject and expiry', async () => {
    const token = await signHs256(TEST_SECRET, { ...good, sub: 'alice', expiresIn: 60 });
    const verified = await verifier.verify(token);
    expect(verified.subject).toBe('alice');
    expect(verified.expiresAt).toBeGreaterThan(Date.now() + 50_000);
  });

  it('refuses alg none', async () => {
    const token = unsignedToken({ sub: 'alice', ...good, exp: Math.floor(Date.now() / 1000) + 60 });
    expect((await refusal(verifier.verify(token))).code).toBe('invalid_token');
  });

  it('refuses an expired token with token_expired, beyond the clock skew', async () => {
    const token = await signHs256(TEST_SECRET, { ...good, expiresIn: -31 });
    expect((await refusal(verifier.verify(token))).code).toBe('token_expired');
  });

  it('accepts a token expired for less than the clock skew, and keeps it until exp plus the skew', async () => {
    const token = await signHs256(TEST_SECRET, { ...good, expiresIn: -10 });
    const verified = await verifier.verify(token);
    expect(verified).toMatchObject({ subject: 'user-1' });
    // Accepted now, so the connection it opens must not be cut off at once: it lives to exp + 30 s.
    const exp = (verified.payload.exp as number) * 1000;
    expect(verified.expiresAt).toBe(exp + 30_000);
    expect(verified.expiresAt).toBeGreaterThan(Date.now());
  });

  it('refuses a token that is not valid yet', async () => {
    const token = await signHs256(TEST_SECRET, { ...good, notBeforeIn: 120 });
    const err = await refusal(verifier.verify(token));
    expect(err.code).toBe('invalid_token');
    expect(err.message).toMatch(/not valid yet/);
  });

  it('refuses the wrong issuer and the wrong audience', async () => {
    const wrongIss = await signHs256(TEST_SECRET, { iss: 'https://evil.test', aud: 'livegate' });
    expect((await refusal(verifier.verify(wrongIss))).message).toMatch(/issuer/);
    const wrongAud = await signHs256(TEST_SECRET, { iss: 'https://idp.test', aud: 'other' });
    expect((await refusal(verifier.verify(wrongAud))).message).toMatch(/audience/);
  });

  it('refuses a tampered payload', async () => {
    const token = await signHs256(TEST_SECRET, { ...good, claims: { livegate: { subscribe: ['a'] } } });
    const tampered = tamperPayload(token, (p) => ({ ...p, livegate: { subscribe: ['*'], admin: true } }));
    expect((await refusal(verifier.verify(tampered))).message).toMatch(/signature/);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await signHs256(`${TEST_SECRET}-other`, good);
    expect((await refusal(verifier.verify(token))).code).toBe('invalid_token');
  });

  it('refuses a 64 KB token before parsing it', async () => {
    const token = await signHs256(TEST_SECRET, { ...good, claims: { pad: 'x'.repeat(64 * 1024) } });
    const err = await refusal(verifier.verify(token));
    expect(err.message).toMatch(/longer than 8192 bytes/);
  });

  it('refuses a token without sub', async () => {
    const token = await signHs256(TEST_SECRET, { ...good, sub: '' });
    expect((await refusal(verifier.verify(token))).message).toMatch(/sub/);
  });

  it('refuses garbage', async () => {
    for (const garbage of ['a.b.c', 'not-a-token', '..', 'e30.e30.e30']) {
      expect((await refusal(verifier.verify(garbage))).code).toBe('invalid_token');
    }
  });

  it('refuses a secret shorter than 32 bytes at construction, saying how to make one', () => {
    expect(() => new JwtVerifier({ secret: 'short' })).toThrow(/at least 32 bytes.*openssl rand/);
  });

  it('refuses zero or several key sources at construction', () => {
    expect(() => new JwtVerifier({})).toThrow(/exactly one key source/);
    expect(() => new JwtVerifier({ secret: TEST_SECRET, jwksUrl: 'http://127.0.0.1/jwks' })).toThrow(
      /exactly one key source/,
    );
  });
});

describe('JwtVerifier with a public key file', () => {
  let rsa: SigningKey;
  let ec: SigningKey;
  let dir: string;
  beforeAll(async () => {
    rsa = await makeSigningKey('rsa-1', 'RS256');
    ec = await makeSigningKey('ec-1', 'ES256');
    dir = mkdtempSync(join(tmpdir(), 'livegate-jwt-'));
    writeFileSync(join(dir, 'rsa.pem'), rsa.publicPem);
    writeFileSync(join(dir, 'ec.pem'), ec.publicPem);
  });

  it('accepts RS256 tokens signed by the private key', async () => {
    const verifier = new JwtVerifier({ publicKeyFile: join(dir, 'rsa.pem') });
    await expect(verifier.verify(await signWithKey(rsa, { sub: 'bob' }))).resolves.toMatchObject({ subject: 'bob' });
  });

  it('accepts ES256 tokens with an EC key file', async () => {
    const verifier = new JwtVerifier({ publicKeyFile: join(dir, 'ec.pem') });
    await expect(verifier.verify(await signWithKey(ec))).resolves.toMatchObject({ subject: 'user-1' });
  });

  it('refuses key confusion: an HS256 token whose secret is the RS public key PEM', async () => {
    const verifier = new JwtVerifier({ publicKeyFile: join(dir, 'rsa.pem') });
    const forged = await signHs256(new TextEncoder().encode(rsa.publicPem), { sub: 'mallory' });
    const err = await refusal(verifier.verify(forged));
    expect(err.code).toBe('invalid_token');
    expect(err.message).toMatch(/algorithm/);
  });

  it('refuses a token signed by another RSA key', async () => {
    const other = await makeSigningKey('rsa-2', 'RS256');
    const verifier = new JwtVerifier({ publicKeyFile: join(dir, 'rsa.pem') });
    expect((await refusal(verifier.verify(await signWithKey(other)))).message).toMatch(/signature/);
  });

  it('names an unreadable key file at construction', () => {
    expect(() => new JwtVerifier({ publicKeyFile: join(dir, 'missing.pem') })).toThrow(
      /auth.jwt.publicKeyFile .*missing.pem cannot be read/,
    );
    writeFileSync(join(dir, 'junk.pem'), 'junk');
    expect(() => new JwtVerifier({ publicKeyFile: join(dir, 'junk.pem') })).toThrow(/no PEM public key/);
  });
});

describe('JwtVerifier with a JWKS URL', () => {
  let first: SigningKey;
  let second: SigningKey;
  let jwks: JwksServer;
  beforeAll(async () => {
    first = await makeSigningKey('k1', 'RS256');
    second = await makeSigningKey('k2', 'ES256');
    jwks = await startJwksServer([first]);
  });
  afterAll(async () => {
    await jwks.close();
  });

  it('fetches the key set once and caches it', async () => {
    const verifier = new JwtVerifier({ jwksUrl: jwks.url });
    const before = jwks.fetches;
    await verifier.verify(await signWithKey(first));
    await verifier.verify(await signWithKey(first));
    expect(jwks.fetches - before).toBe(1);
  });

  it('picks up a rotated key on its unknown kid, without a restart', async () => {
    const verifier = new JwtVerifier({ jwksUrl: jwks.url, jwksCooldownMs: 0 });
    await verifier.verify(await signWithKey(first));
    const refused = await refusal(verifier.verify(await signWithKey(second)));
    expect(refused.message).toMatch(/no key .* matches/);
    jwks.setKeys([first, second]);
    await expect(verifier.verify(await signWithKey(second, { sub: 'rotated' }))).resolves.toMatchObject({
      subject: 'rotated',
    });
    jwks.setKeys([first]);
  });

  it('refuses an unknown kid and an HS256 token', async () => {
    const verifier = new JwtVerifier({ jwksUrl: jwks.url, jwksCooldownMs: 0 });
    const stranger = await makeSigningKey('k9', 'RS256');
    expect((await refusal(verifier.verify(await signWithKey(stranger)))).code).toBe('invalid_token');
    const hs = await signHs256(TEST_SECRET);
    expect((await refusal(verifier.verify(hs))).message).toMatch(/algorithm/);
  });

  it('answers auth_unavailable when the key set cannot be fetched', async () => {
    const verifier = new JwtVerifier({ jwksUrl: `${jwks.url}-missing` });
    const err = await refusal(verifier.verify(await signWithKey(first)));
    expect(err.code).toBe('auth_unavailable');
    expect(err.status).toBe(503);
  });
});
