import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../../src/core/filter.js';
import {
  authorizeFilter,
  createPrincipal,
  grantsExplicitly,
  includesGrants,
  mayPublish,
  NO_GRANTS,
  type Grants,
} from '../../../src/core/principal.js';
import { TopicPatterns } from '../../../src/core/topic-patterns.js';
import { LivegateError } from '../../../src/errors.js';

const grants = (over: Partial<Grants>): Grants => ({ ...NO_GRANTS, ...over });
const tenant = createPrincipal({
  id: 'alice',
  kind: 'jwt',
  grants: grants({ subscribe: ['alerts', 'team-a.*'], match: ['{team="a"}'], publish: ['team-a.*'] }),
});
const event = (topic: string, labels: Record<string, string>) => ({ topic, type: 't', source: 's', labels });

function forbidden(fn: () => unknown): LivegateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LivegateError);
    expect((err as LivegateError).code).toBe('forbidden');
    return err as LivegateError;
  }
  throw new Error('expected forbidden');
}

describe('authorizeFilter', () => {
  it('narrows a request for every topic to the allowed topics and the forced matcher', () => {
    const filter = authorizeFilter(tenant, compileFilter({}));
    expect(filter.test(event('alerts', { team: 'a' }))).toBe(true);
    expect(filter.test(event('alerts', { team: 'b' }))).toBe(false);
    expect(filter.test(event('health', { team: 'a' }))).toBe(false);
    expect(filter.test(event('team-a.deploys', { team: 'a' }))).toBe(true);
  });

  it('keeps the forced matcher when the request asks for a wider one', () => {
    const filter = authorizeFilter(tenant, compileFilter({ topics: ['alerts'], match: ['{team=~".+"}'] }));
    expect(filter.test(event('alerts', { team: 'b' }))).toBe(false);
    expect(filter.test(event('alerts', { team: 'a' }))).toBe(true);
  });

  it('ANDs every match grant: a second matcher only narrows', () => {
    const two = createPrincipal({
      id: 'x',
      kind: 'jwt',
      grants: grants({ subscribe: ['*'], match: ['{team="a"}', '{env="prod"}'] }),
    });
    const filter = authorizeFilter(two, compileFilter({}));
    expect(filter.test(event('alerts', { team: 'a', env: 'prod' }))).toBe(true);
    expect(filter.test(event('alerts', { team: 'a', env: 'dev' }))).toBe(false);
    expect(filter.test(event('alerts', { team: 'b', env: 'prod' }))).toBe(false);
  });

  it('refuses an exact topic outside the rights, naming it', () => {
    const err = forbidden(() => authorizeFilter(tenant, compileFilter({ topics: ['alerts', 'health'] })));
    expect(err.field).toBe('topics[1]');
  });

  it('narrows an overlapping pattern and refuses a disjoint one', () => {
    const filter = authorizeFilter(tenant, compileFilter({ topics: ['team*'] }));
    expect(filter.test(event('team-a.x', { team: 'a' }))).toBe(true);
    expect(filter.test(event('team-b.x', { team: 'a' }))).toBe(false);
    forbidden(() => authorizeFilter(tenant, compileFilter({ topics: ['team-b.*'] })));
  });

  it('refuses every read for a principal without subscribe rights', () => {
    const none = createPrincipal({ id: 'n', kind: 'jwt', grants: NO_GRANTS });
    forbidden(() => authorizeFilter(none, compileFilter({})));
  });
});

describe('publish rights', () => {
  it('allow only covered topics', () => {
    expect(mayPublish(tenant, 'team-a.deploys')).toBe(true);
    expect(mayPublish(tenant, 'alerts')).toBe(false);
    expect(tenant.canPublish).toBe(true);
    expect(createPrincipal({ id: 'n', kind: 'jwt', grants: NO_GRANTS }).canPublish).toBe(false);
  });

  it('grant reserved topics only to keys naming them exactly', () => {
    const key = createPrincipal({ id: 'am', kind: 'key', grants: grants({ publish: ['alerts', 'x*', '*'] }) });
    expect(grantsExplicitly(key, 'alerts')).toBe(true);
    expect(grantsExplicitly(key, 'health')).toBe(false);
    expect(grantsExplicitly(key, 'xyz')).toBe(false);
    const jwt = createPrincipal({ id: 'j', kind: 'jwt', grants: grants({ publish: ['alerts'] }) });
    expect(grantsExplicitly(jwt, 'alerts')).toBe(false);
  });
});

describe('includesGrants', () => {
  const base = grants({ subscribe: ['alerts', 'team-a.*'], match: ['{team="a"}'], namespaces: ['a'] });
  it('accepts equal and wider rights', () => {
    expect(includesGrants(base, base)).toBe(true);
    expect(includesGrants({ ...base, subscribe: ['*'] }, base)).toBe(true);
    expect(includesGrants({ ...base, match: [] }, base)).toBe(true);
    expect(includesGrants({ ...base, namespaces: ['a', 'b'] }, base)).toBe(true);
  });
  it('detects fewer rights', () => {
    expect(includesGrants({ ...base, subscribe: ['alerts'] }, base)).toBe(false);
    expect(includesGrants({ ...base, match: ['{team="a"}', '{env="prod"}'] }, base)).toBe(false);
    expect(includesGrants({ ...base, namespaces: [] }, base)).toBe(false);
    expect(includesGrants(base, { ...base, admin: true })).toBe(false);
  });
});

describe('TopicPatterns', () => {
  it('covers exact topics and prefixes', () => {
    const p = TopicPatterns.compile(['alerts', 'console.*']);
    expect(p.covers('alerts')).toBe(true);
    expect(p.covers('console.logs')).toBe(true);
    expect(p.covers('console')).toBe(false);
    expect(p.coversPattern('console.logs.')).toBe(true);
    expect(p.overlaps('con')).toBe(true);
    expect(p.overlaps('health')).toBe(false);
    expect(p.includes(TopicPatterns.compile(['console.a', 'alerts']))).toBe(true);
    expect(p.includes(TopicPatterns.compile(['*']))).toBe(false);
  });
  it('validates entries with the topic rules', () => {
    expect(() => TopicPatterns.compile(['Bad Topic'])).toThrow(/not a valid topic/);
  });
});
