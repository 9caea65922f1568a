import { describe, expect, it } from 'vitest';
import { stampDraft } from '../../../src/core/draft-validation.js';
import { LivegateError } from '../../../src/errors.js';

const NOW = '2026-11-23T07:01:29.119Z';

/** The error stampDraft throws for `input`, as `{code, field, message}`. */
function refusal(input: unknown, prefix = ''): { code: string; field: string | undefined; message: string } {
  try {
    stampDraft(input, NOW, 'api', prefix);
  } catch (err) {
    expect(err).toBeInstanceOf(LivegateError);
    const e = err as LivegateError;
    return { code: e.code, field: e.field, message: e.message };
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('stampDraft', () => {
  it('fills the defaults: source, labels, data and time', () => {
    expect(stampDraft({ topic: 'deploys', type: 'started' }, NOW, 'api')).toEqual({
      topic: 'deploys',
      type: 'started',
      source: 'api',
      labels: {},
      data: null,
      time: NOW,
    });
  });

  it('keeps what the publisher gave, normalising the time to UTC with milliseconds', () => {
    expect(
      stampDraft(
        {
          topic: 'deploys',
          type: 'deploy:finished',
          source: 'ci/github@main',
          labels: { env: 'prod' },
          data: { version: '1.4.2' },
          time: '2026-11-23T08:01:29+01:00',
        },
        NOW,
        'api',
      ),
    ).toEqual({
      topic: 'deploys',
      type: 'deploy:finished',
      source: 'ci/github@main',
      labels: { env: 'prod' },
      data: { version: '1.4.2' },
      time: '2026-11-23T07:01:29.000Z',
    });
  });

  it.for([
    ['a string', 'not an object', 'body', /must be a JSON object/],
    ['null', null, 'body', /must be a JSON object/],
    ['an array', [], 'body', /must be a JSON object/],
    ['an unknown field', { topic: 't', type: 'x', extra: 1 }, 'extra', /unknown field "extra"; allowed: topic, type/],
    ['a missing topic', { type: 'x' }, 'topic', /topic \(missing\) is invalid/],
    ['an upper-case topic', { topic: 'Deploys', type: 'x' }, 'topic', /topic "Deploys" is invalid: 1–64 chars/],
    ['a topic of 65 chars', { topic: 'a'.repeat(65), type: 'x' }, 'topic', /is invalid/],
    ['a numeric type', { topic: 't', type: 5 }, 'type', /type of type number is invalid/],
    ['the reserved type snapshot', { topic: 't', type: 'snapshot' }, 'type', /"snapshot" is reserved/],
    ['a control name as type', { topic: 't', type: 'reset' }, 'type', /"reset" is reserved/],
    ['a source with a space', { topic: 't', type: 'x', source: 'a b' }, 'source', /source "a b" is invalid/],
    ['a non-string label value', { topic: 't', type: 'x', labels: { env: 1 } }, 'labels', /./],
    ['a bad label name', { topic: 't', type: 'x', labels: { '1env': 'p' } }, 'labels', /./],
    ['a date without a zone', { topic: 't', type: 'x', time: '2026-11-23T07:01:29' }, 'time', /not an RFC 3339/],
    ['an impossible date', { topic: 't', type: 'x', time: '2026-13-45T07:01:29Z' }, 'time', /not an RFC 3339/],
  ] as const)('refuses %s with invalid_event naming the field', ([, input, field, message]) => {
    const r = refusal(input);
    expect(r.code).toBe('invalid_event');
    expect(r.field).toBe(field);
    expect(r.message).toMatch(message);
  });

  it('prefixes the field with the draft index in a batch', () => {
    expect(refusal({ topic: 't', type: 'snapshot' }, '[3].').field).toBe('[3].type');
    expect(refusal(7, '[3].').field).toBe('[3]');
  });

  it('cuts a long value in the message', () => {
    const r = refusal({ topic: 'X'.repeat(500), type: 'x' });
    expect(r.message).toContain(`"${'X'.repeat(80)}…"`);
    expect(r.message.length).toBeLessThan(250);
  });
});
