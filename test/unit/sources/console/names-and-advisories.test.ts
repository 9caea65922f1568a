import { describe, expect, it } from 'vitest';
import { hintFromAdvisory, hintFromApiAudit } from '../../../../src/sources/console/nats/advisories.js';
import { checkNatsSettings, natsConnectionOptions } from '../../../../src/sources/console/nats/connect-options.js';
import { subjectProblem, TOPIC_NAME_PATTERN } from '../../../../src/sources/console/names.js';
import { resolveConsoleOptions } from '../../../../src/sources/console/options.js';

describe('hintFromAdvisory', () => {
  it.each([
    ['$JS.EVENT.ADVISORY.STREAM.CREATED.orders', { kind: 'topic', topic: 'orders' }],
    ['$JS.EVENT.ADVISORY.STREAM.UPDATED.orders', { kind: 'topic', topic: 'orders' }],
    ['$JS.EVENT.ADVISORY.STREAM.DELETED.orders', { kind: 'topic', topic: 'orders' }],
    ['$JS.EVENT.ADVISORY.CONSUMER.CREATED.orders.billing', { kind: 'groups', topic: 'orders' }],
    ['$JS.EVENT.ADVISORY.CONSUMER.DELETED.orders.billing', { kind: 'groups', topic: 'orders' }],
    ['$JS.EVENT.ADVISORY.API', null],
    ['$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.orders.billing', null],
    ['$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.orders', null],
    ['$JS.EVENT.ADVISORY.STREAM.CREATED.', null],
    ['orders.created', null],
  ])('%s → %j', (subject, hint) => {
    expect(hintFromAdvisory(subject)).toEqual(hint);
  });
});

describe('hintFromApiAudit', () => {
  // The shape nats-server sends: the audited request's subject, then its request and response as strings.
  const audit = (subject: string, response = '{}') =>
    new TextEncoder().encode(
      JSON.stringify({
        type: 'io.nats.jetstream.advisory.v1.api_audit',
        server: { name: 'n1' },
        client: { acc: '$G' },
        subject,
        request: '',
        response,
      }),
    );
  const API = '$JS.EVENT.ADVISORY.API';

  it('names the stream of a deletion', () => {
    expect(hintFromApiAudit(API, audit('$JS.API.STREAM.DELETE.orders'))).toEqual({ kind: 'topic', topic: 'orders' });
  });

  it.each([
    ['another request', API, audit('$JS.API.STREAM.INFO.orders')],
    [
      'a listing whose response mentions a deletion subject',
      API,
      audit('$JS.API.STREAM.LIST', '"$JS.API.STREAM.DELETE.x"'),
    ],
    ['another advisory', '$JS.EVENT.ADVISORY.STREAM.DELETED.orders', audit('$JS.API.STREAM.DELETE.orders')],
    ['a payload that is not JSON', API, new TextEncoder().encode('$JS.API.STREAM.DELETE.orders')],
    ['an empty stream name', API, audit('$JS.API.STREAM.DELETE.')],
  ])('ignores %s', (_, subject, data) => {
    expect(hintFromApiAudit(subject, data)).toBeNull();
  });
});

describe('subject and name rules', () => {
  it.each([
    ['orders.>', null],
    ['orders.*.created', null],
    ['>', null],
    ['', 'a subject must not be empty'],
    ['orders..x', expect.stringContaining('non-empty tokens')],
    ['.orders', expect.stringContaining('non-empty tokens')],
    ['orders.>.x', expect.stringContaining('last token')],
    ['orders.a*', expect.stringContaining('whole token')],
    ['orders.a>', expect.stringContaining('whole token')],
    ['orders x', expect.stringContaining('whitespace')],
    ['a'.repeat(256), expect.stringContaining('at most 255')],
  ])('subject %j', (subject, problem) => {
    expect(subjectProblem(subject)).toEqual(problem);
  });

  it('accepts portable topic names only', () => {
    expect(TOPIC_NAME_PATTERN.test('orders_v2-eu')).toBe(true);
    for (const bad of ['', 'a.b', 'a b', 'a/b', 'a*', 'é', 'x'.repeat(129)])
      expect(TOPIC_NAME_PATTERN.test(bad)).toBe(false);
  });
});

describe('NATS connection settings', () => {
  it('refuses contradictory authentication and half-set TLS, naming the field', () => {
    expect(checkNatsSettings({ servers: ['nats://127.0.0.1:4222'] })).toBeNull();
    expect(checkNatsSettings({ servers: ['http://x'] })?.field).toBe('servers[0]');
    expect(checkNatsSettings({ servers: [], user: 'u', token: 't' })?.field).toBe('token');
    expect(checkNatsSettings({ servers: [], user: 'u' })?.field).toBe('password');
    expect(checkNatsSettings({ servers: [], password: 'p' })?.field).toBe('user');
    expect(checkNatsSettings({ servers: [], nkeySeed: 'not-a-seed' })?.field).toBe('nkeySeed');
    expect(checkNatsSettings({ servers: [], tls: { certFile: '/c.pem' } })?.field).toBe('tls.keyFile');
    expect(() => natsConnectionOptions({ servers: [], credsFile: '/nonexistent/x.creds' })).toThrow(
      /console\.nats\.credsFile: cannot read/,
    );
  });

  it('builds options that reconnect forever and notice a silent server within seconds', () => {
    const options = natsConnectionOptions({ servers: ['nats://a:1', 'nats://b:2'], user: 'u', password: 'p' });
    expect(options).toMatchObject({
      servers: ['nats://a:1', 'nats://b:2'],
      user: 'u',
      pass: 'p',
      maxReconnectAttempts: -1,
    });
    expect(options.pingInterval! * (options.maxPingOut! + 1)).toBeLessThanOrEqual(6_000);
  });
});

describe('console options', () => {
  it('defaults the round budget to half the interval and refuses one that could outlast it', () => {
    expect(resolveConsoleOptions({}).roundBudgetMs).toBe(1000);
    expect(() => resolveConsoleOptions({ metricsIntervalMs: 1000, roundBudgetMs: 1000 })).toThrow(
      /below metricsIntervalMs/,
    );
    expect(() => resolveConsoleOptions({ cluster: 'a b' })).toThrow(/cluster/);
    expect(() => resolveConsoleOptions({ maxRequestsPerRound: 0 })).toThrow(/maxRequestsPerRound/);
  });
});
