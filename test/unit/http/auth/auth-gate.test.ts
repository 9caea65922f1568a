import { describe, expect, it } from 'vitest';
import { LivegateError } from '../../../../src/errors.js';
import { AddressList, isLoopback } from '../../../../src/http/auth/address-list.js';
import { AuthGate, type Access } from '../../../../src/http/auth/auth-gate.js';
import { grantsFromClaims } from '../../../../src/http/auth/claims.js';
import { presentedCredential } from '../../../../src/http/auth/credentials.js';
import { JwtVerifier } from '../../../../src/http/auth/jwt-verifier.js';
import { PublishKeys, sha256Hex } from '../../../../src/http/auth/publish-keys.js';
import { signHs256, TEST_SECRET } from '../../../harness/tokens.js';

const REMOTE = '203.0.113.5';

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof LivegateError) return `${err.status} ${err.code}`;
    throw err;
  }
  return 'allowed';
}

describe('protected writes without credentials', () => {
  const gate = new AuthGate();
  const ask = (ip: string, access: Access) => code(gate.require({ headers: {}, ip }, access));

  it('let loopback (every 127.x and ::1) write and administer', async () => {
    for (const ip of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      expect(await ask(ip, 'write')).toBe('allowed');
      expect(await ask(ip, 'admin')).toBe('allowed');
    }
  });

  it('refuse writes from elsewhere with write_forbidden naming auth.writeAllowFrom and the address', async () => {
    expect(await ask(REMOTE, 'write')).toBe('403 write_forbidden');
    expect(await ask(REMOTE, 'admin')).toBe('403 write_forbidden');
    await expect(gate.require({ headers: {}, ip: REMOTE }, 'write')).rejects.toThrow(
      /auth\.writeAllowFrom.*203\.0\.113\.5/,
    );
  });

  it('keep reading open', async () => {
    expect(await ask(REMOTE, 'read')).toBe('allowed');
    expect(await ask(REMOTE, 'public')).toBe('allowed');
  });

  it('let auth.writeAllowFrom write', async () => {
    const open = new AuthGate({ writeAllowFrom: new AddressList(['203.0.113.0/24']) });
    expect(await code(open.require({ headers: {}, ip: REMOTE }, 'write'))).toBe('allowed');
    expect(await code(open.require({ headers: {}, ip: '198.51.100.1' }, 'write'))).toBe('403 write_forbidden');
  });
});

describe('publisher keys', () => {
  const keys = new PublishKeys([
    { name: 'prometheus', sha256: sha256Hex('k-prom'), topics: ['alerts'] },
    { name: 'deployer', sha256: sha256Hex('k-deploy'), topics: ['deploys.*'] },
  ]);
  const gate = new AuthGate({ publishKeys: keys });
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it('authenticate by bearer and by basic auth with the key name as user', async () => {
    const basic = `Basic ${Buffer.from('prometheus:k-prom').toString('base64')}`;
    expect(await code(gate.require({ headers: bearer('k-prom'), ip: REMOTE }, 'write', ['alerts']))).toBe('allowed');
    expect(await code(gate.require({ headers: { authorization: basic }, ip: REMOTE }, 'write', ['alerts']))).toBe(
      'allowed',
    );
    const wrongUser = `Basic ${Buffer.from('deployer:k-prom').toString('base64')}`;
    expect(await code(gate.require({ headers: { authorization: wrongUser }, ip: REMOTE }, 'write'))).toBe(
      '401 invalid_token',
    );
  });

  it('limit the topics a key may publish to', async () => {
    expect(await code(gate.require({ headers: bearer('k-deploy'), ip: REMOTE }, 'write', ['deploys.eu']))).toBe(
      'allowed',
    );
    expect(await code(gate.require({ headers: bearer('k-deploy'), ip: REMOTE }, 'write', ['alerts']))).toBe(
      '403 forbidden',
    );
    expect(await code(gate.require({ headers: bearer('k-deploy'), ip: REMOTE }, 'admin'))).toBe('403 forbidden');
  });

  it('make loopback need credentials once keys exist, and refuse unknown keys', async () => {
    expect(await code(gate.require({ headers: {}, ip: '127.0.0.1' }, 'write'))).toBe('401 unauthorized');
    expect(await code(gate.require({ headers: bearer('nope'), ip: '127.0.0.1' }, 'write'))).toBe('401 invalid_token');
    expect(await code(gate.require({ headers: { authorization: 'Digest x' }, ip: REMOTE }, 'read'))).toBe(
      '401 invalid_token',
    );
  });

  it('refuse a bad configuration at construction', () => {
    expect(() => new PublishKeys([{ name: 'a', sha256: 'abc', topics: [] }])).toThrow(/64 hex digits/);
    expect(
      () =>
        new PublishKeys([
          { name: 'a', sha256: sha256Hex('x'), topics: [] },
          { name: 'a', sha256: sha256Hex('y'), topics: [] },
        ]),
    ).toThrow(/used twice/);
    expect(() => new PublishKeys([{ name: 'a', sha256: sha256Hex('x'), topics: ['Bad Topic'] }])).toThrow(
      /publishKeys\[0\]\.topics/,
    );
  });
});

describe('auth.mode jwt', () => {
  const gate = new AuthGate({ mode: 'jwt', jwt: new JwtVerifier({ secret: TEST_SECRET }) });

  it('needs a token to read, from any address', async () => {
    expect(await code(gate.require({ headers: {}, ip: '127.0.0.1' }, 'read'))).toBe('401 unauthorized');
    expect(await code(gate.require({ headers: {}, ip: REMOTE }, 'public'))).toBe('allowed');
  });

  it('reads the token from the header, the access_token parameter and the cookie', async () => {
    const token = await signHs256(TEST_SECRET, { sub: 'alice', claims: { livegate: { subscribe: ['alerts'] } } });
    for (const request of [
      { headers: { authorization: `Bearer ${token}` }, ip: REMOTE },
      { headers: {}, accessToken: token, ip: REMOTE },
      { headers: { cookie: `other=1; livegate_token=${token}` }, ip: REMOTE },
    ]) {
      const principal = await gate.require(request, 'read');
      expect(principal?.subject).toBe('alice');
      expect(principal?.topics?.entries).toEqual(['alerts']);
    }
  });

  it('gives a token without the claim no rights at all', async () => {
    const token = await signHs256(TEST_SECRET, { sub: 'nobody' });
    const principal = await gate.require({ headers: {}, accessToken: token, ip: REMOTE }, 'read');
    expect(principal?.topics?.size).toBe(0);
    expect(principal?.canPublish).toBe(false);
    expect(await code(gate.require({ headers: {}, accessToken: token, ip: REMOTE }, 'write'))).toBe('403 forbidden');
  });

  it('refuses rights that are not valid topic patterns or matchers', async () => {
    const token = await signHs256(TEST_SECRET, { claims: { livegate: { match: ['{team=}'] } } });
    expect(await code(gate.require({ headers: {}, accessToken: token, ip: REMOTE }, 'read'))).toBe('401 invalid_token');
  });
});

describe('grantsFromClaims', () => {
  it('reads the default claim', () => {
    expect(
      grantsFromClaims({
        livegate: { subscribe: ['a'], match: '{team="a"}', namespaces: 'ns1 ns2', publish: [], admin: true },
      }),
    ).toEqual({ subscribe: ['a'], match: ['{team="a"}'], namespaces: ['ns1', 'ns2'], publish: [], admin: true });
  });

  it('follows a configured claim name and paths, for an identity provider’s own tokens', () => {
    const mapping = {
      claim: 'https://example.com/claims',
      paths: { subscribe: 'lg.topics', match: 'lg.filters', namespaces: 'k8s.ns', publish: 'lg.pub', admin: 'lg.root' },
    };
    const payload = {
      'https://example.com/claims': { lg: { topics: ['alerts'], filters: ['{team="x"}'] }, k8s: { ns: ['prod'] } },
    };
    expect(grantsFromClaims(payload, mapping)).toEqual({
      subscribe: ['alerts'],
      match: ['{team="x"}'],
      namespaces: ['prod'],
      publish: [],
      admin: false,
    });
    expect(
      grantsFromClaims(
        { scope: 'alerts health' },
        { ...mapping, claim: '', paths: { ...mapping.paths, subscribe: 'scope' } },
      ).subscribe,
    ).toEqual(['alerts', 'health']);
  });

  it('refuses the wrong shape, naming the claim path', () => {
    expect(() => grantsFromClaims({ livegate: { admin: 'yes' } })).toThrow(/livegate\.admin/);
    expect(() => grantsFromClaims({ livegate: { subscribe: Array(65).fill('a') } })).toThrow(/livegate\.subscribe/);
    expect(() => grantsFromClaims({ livegate: 'all' })).toThrow(/must be an object/);
  });
});

describe('presentedCredential and addresses', () => {
  it('prefer the Authorization header, then access_token, then the cookie', () => {
    expect(presentedCredential({ authorization: 'Bearer a', cookie: 'livegate_token=c' }, 'b')?.secret).toBe('a');
    expect(presentedCredential({ cookie: 'livegate_token=c' }, 'b')?.secret).toBe('b');
    expect(presentedCredential({ cookie: 'x=1; livegate_token=c%3D' }, undefined)?.secret).toBe('c=');
    expect(presentedCredential({}, undefined)).toBeUndefined();
  });

  it('recognise loopback and CIDR ranges, refusing bad entries by index', () => {
    expect(isLoopback('127.255.0.1')).toBe(true);
    expect(isLoopback('128.0.0.1')).toBe(false);
    const list = new AddressList(['10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
    expect(list.has('10.1.2.3')).toBe(true);
    expect(list.has('::ffff:10.1.2.3')).toBe(true);
    expect(list.has('fd12::1')).toBe(true);
    expect(list.has('192.0.2.8')).toBe(false);
    expect(() => new AddressList(['10.0.0.0/8', '10.0.0.0/33'])).toThrow(/auth\.writeAllowFrom\[1\]/);
    expect(() => new AddressList(['example.com'])).toThrow(/not an IP address/);
  });
});
