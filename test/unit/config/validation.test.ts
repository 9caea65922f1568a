import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  booleanOr,
  closedObject,
  labelName,
  parseSchema,
  rfc3339Time,
  stringList,
  stringMap,
  stringOr,
  utcTime,
} from '../../../src/config/validation.js';

const entry = z.strictObject({ name: z.string().min(1), tags: z.array(z.string()).max(2), kind: z.enum(['a', 'b']) });

function errorOf(schema: z.ZodType, input: unknown, root?: string) {
  const result = parseSchema(schema, input, root);
  if (result.ok) throw new Error('expected a validation error');
  return result.error;
}

describe('parseSchema', () => {
  it('gives the output of the schema', () => {
    expect(parseSchema(z.array(entry), [{ name: 'x', tags: [], kind: 'a' }])).toEqual({
      ok: true,
      value: [{ name: 'x', tags: [], kind: 'a' }],
    });
  });

  it.each([
    [[{ name: 'x', tags: [], kind: 'a' }, { name: 3 }], '[1].name', 'must be a string'],
    [[{ name: '', tags: [], kind: 'a' }], '[0].name', 'must not be empty'],
    [[{ name: 'x', tags: [1], kind: 'a' }], '[0].tags[0]', 'must be a string'],
    [[{ name: 'x', tags: ['a', 'b', 'c'], kind: 'a' }], '[0].tags', 'must not hold more than 2 items (got 3)'],
    [[{ name: 'x', tags: [], kind: 'c' }], '[0].kind', 'must be one of "a", "b"'],
    [[{ name: 'x', tags: [], kind: 'a', extra: 1 }], '[0]', 'unknown field "extra"; allowed: name, tags, kind'],
    [[null], '[0]', 'must be an object'],
    [{}, '', 'must be an array'],
  ])('names the exact field of the first issue (%#)', (input, field, message) => {
    expect(errorOf(z.array(entry), input)).toEqual({ field, message });
  });

  it('prefixes paths with the root and quotes keys that are not identifiers', () => {
    expect(errorOf(z.array(entry), [{ name: 1 }], 'alertmanagers').field).toBe('alertmanagers[0].name');
    expect(errorOf(z.object({ labels: stringMap() }), { labels: { 'foo-bar': 1 } }).field).toBe('labels["foo-bar"]');
  });

  it('names the unknown key itself in a closedObject', () => {
    expect(errorOf(z.array(closedObject({ name: z.string() })), [{ name: 'a', nmae: 'b' }], 'am')).toEqual({
      field: 'am[0].nmae',
      message: 'unknown field; allowed: name',
    });
  });

  it('keeps messages a schema sets itself', () => {
    expect(errorOf(z.string({ error: 'must be a name' }), 1)).toEqual({ field: '', message: 'must be a name' });
  });
});

describe('rfc3339Time and utcTime (the grammar of @livegate/protocol)', () => {
  it('reads epoch milliseconds, and UTC with milliseconds from any offset', () => {
    expect(rfc3339Time.parse('1970-01-01T00:00:01.5Z')).toBe(1500);
    expect(utcTime.parse('2099-01-01T00:00:00.000+02:00')).toBe('2098-12-31T22:00:00.000Z');
    expect(utcTime.parse('2020-01-01T00:00:00.123456789Z')).toBe('2020-01-01T00:00:00.123Z');
    expect(utcTime.parse('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z');
  });

  it.each([
    [5, 'must be an RFC 3339 date-time string'],
    ['2026-02-30T00:00:00Z', 'must be an RFC 3339 date-time (got "2026-02-30T00:00:00Z")'],
    ['2026-12-01', 'must be an RFC 3339 date-time (got "2026-12-01")'],
    ['Dec 1 2026', 'must be an RFC 3339 date-time (got "Dec 1 2026")'],
  ])('refuses %j', (input, message) => {
    expect(errorOf(utcTime, input)).toEqual({ field: '', message });
  });
});

describe('stringMap', () => {
  it('keeps a __proto__ key as an own entry', () => {
    const result = parseSchema(stringMap(), JSON.parse('{"__proto__":"x","a":"b"}'));
    expect(result.ok && Object.entries(result.value)).toEqual([
      ['__proto__', 'x'],
      ['a', 'b'],
    ]);
    expect(result.ok && Object.getPrototypeOf(result.value)).toBe(Object.prototype);
  });

  it('bounds entries, name and value lengths', () => {
    const bounded = stringMap({ maxEntries: 2, maxNameLength: 70, maxValueLength: 3 });
    expect(errorOf(bounded, { a: '1', b: '2', c: '3' })).toEqual({
      field: '',
      message: 'must not hold more than 2 entries (got 3)',
    });
    expect(errorOf(bounded, { a: '1234' })).toEqual({ field: 'a', message: 'is 4 chars; max 3' });
    expect(errorOf(bounded, { ['n'.repeat(71)]: '1' })).toEqual({
      field: 'n'.repeat(64),
      message: 'name is 71 chars; max 70',
    });
  });

  it('reads absent and null as {} only when optional', () => {
    const schema = z.object({ a: stringMap({ optional: true }), b: stringMap() });
    expect(parseSchema(schema, { a: null, b: {} })).toEqual({ ok: true, value: { a: {}, b: {} } });
    expect(errorOf(schema, {})).toEqual({ field: 'b', message: 'must be an object' });
  });

  it('applies the label-name rule and drops empty values when asked', () => {
    const labels = stringMap({ labelNames: true, dropEmptyValues: true });
    expect(parseSchema(labels, { a: '1', b: '' })).toEqual({ ok: true, value: { a: '1' } });
    expect(errorOf(labels, { '1x': 'v' }).field).toBe('["1x"]');
    expect(errorOf(labels, { ['a'.repeat(129)]: 'v' }).message).toMatch(/at most 128 characters/);
    expect(errorOf(labels, { a: 1 })).toEqual({ field: 'a', message: 'must be a string' });
  });
});

describe('defaults for absent or null fields', () => {
  const schema = z.object({ s: stringOr('-'), b: booleanOr(true), l: stringList });

  it('fills them in', () => {
    expect(parseSchema(schema, { s: null, l: null })).toEqual({ ok: true, value: { s: '-', b: true, l: [] } });
  });

  it('still checks a given value', () => {
    expect(errorOf(schema, { b: 'yes' })).toEqual({ field: 'b', message: 'must be a boolean' });
  });
});

describe('labelName', () => {
  it('is the label-name rule of @livegate/protocol', () => {
    expect(labelName().safeParse('job').success).toBe(true);
    expect(labelName().safeParse('1job').success).toBe(false);
    expect(labelName().safeParse('a'.repeat(129)).success).toBe(false);
  });
});
