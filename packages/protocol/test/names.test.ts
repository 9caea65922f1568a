import { describe, expect, it } from 'vitest';
import {
  LABEL_NAME_RULE,
  MAX_LABEL_VALUE_LENGTH,
  MAX_LABELS,
  SOURCE_RULE,
  TOPIC_RULE,
  TYPE_RULE,
  isValidLabelName,
  isValidSource,
  isValidTopic,
  isValidType,
  validateLabels,
} from '../src/names.js';

describe('isValidTopic', () => {
  it.each(['alerts', 'console.logs', 'a', '0', 'node-1_x.y', 'a'.repeat(64)])('accepts %j', (topic) => {
    expect(isValidTopic(topic)).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['uppercase letters', 'Alerts'],
    ['a leading dot', '.alerts'],
    ['a leading dash', '-alerts'],
    ['a leading underscore', '_alerts'],
    ['a colon', 'a:b'],
    ['a slash', 'a/b'],
    ['a space', 'a b'],
    ['a trailing newline', 'alerts\n'],
    ['a star', 'alerts*'],
    ['65 characters', 'a'.repeat(65)],
    ['a non-ASCII letter', 'alértes'],
  ])('rejects %s', (_why, topic) => {
    expect(isValidTopic(topic)).toBe(false);
  });

  it('rejects non-strings that a regex would stringify into a match', () => {
    expect(isValidTopic(undefined as unknown as string)).toBe(false);
    expect(isValidTopic(null as unknown as string)).toBe(false);
    expect(isValidTopic(12 as unknown as string)).toBe(false);
  });
});

describe('isValidType', () => {
  it.each(['alert_firing', 'AlertFiring', 'k8s:pod.restart', 'x-1', 'A'.repeat(64)])('accepts %j', (type) => {
    expect(isValidType(type)).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['a leading colon', ':x'],
    ['a slash', 'a/b'],
    ['an at sign', 'a@b'],
    ['65 characters', 'A'.repeat(65)],
  ])('rejects %s', (_why, type) => {
    expect(isValidType(type)).toBe(false);
  });
});

describe('isValidSource', () => {
  it.each(['api', 'alertmanager/prod', 'promql:cpu@eu-1', 'Console/Team_A', 'a'.repeat(128)])(
    'accepts %j',
    (source) => {
      expect(isValidSource(source)).toBe(true);
    },
  );

  it.each([
    ['the empty string', ''],
    ['a leading slash', '/prod'],
    ['a leading at sign', '@x'],
    ['a space', 'a b'],
    ['a question mark', 'a?b'],
    ['129 characters', 'a'.repeat(129)],
  ])('rejects %s', (_why, source) => {
    expect(isValidSource(source)).toBe(false);
  });
});

describe('isValidLabelName', () => {
  it.each(['severity', '_private', '__name__', 'A1_b2', 'a'.repeat(128)])('accepts %j', (name) => {
    expect(isValidLabelName(name)).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['a leading digit', '1abc'],
    ['a dash', 'foo-bar'],
    ['a dot', 'service.name'],
    ['a colon (allowed in metric names, not label names)', 'a:b'],
    ['129 characters', 'a'.repeat(129)],
  ])('rejects %s', (_why, name) => {
    expect(isValidLabelName(name)).toBe(false);
  });
});

describe('rule texts', () => {
  it('describe each rule in words for error messages', () => {
    expect(TOPIC_RULE).toBe("1–64 chars: lowercase letters, digits, '_', '-', '.'; starts with a letter or digit");
    expect(TYPE_RULE).toContain("':'");
    expect(SOURCE_RULE).toContain("'/'");
    expect(SOURCE_RULE).toContain('1–128');
    expect(LABEL_NAME_RULE).toContain("starts with a letter or '_'");
  });
});

describe('validateLabels', () => {
  it('accepts an empty object', () => {
    expect(validateLabels({})).toBeNull();
  });

  it('accepts string labels obeying the rules', () => {
    expect(validateLabels({ alertname: 'DiskFull', severity: 'critical', _x: '' })).toBeNull();
  });

  it('accepts an object without prototype', () => {
    const labels = Object.assign(Object.create(null) as Record<string, string>, { a: 'b' });
    expect(validateLabels(labels)).toBeNull();
  });

  it('accepts exactly the maximum number of labels and the longest value', () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < MAX_LABELS; i++) labels[`l${i}`] = 'v'.repeat(MAX_LABEL_VALUE_LENGTH);
    expect(validateLabels(labels)).toBeNull();
  });

  it.each([
    ['null', null, 'got null'],
    ['undefined', undefined, 'got undefined'],
    ['a string', 'severity=critical', 'got string'],
    ['an array', [['a', 'b']], 'got array'],
    ['a Map', new Map([['a', 'b']]), 'got Map'],
    ['a Date', new Date(0), 'got Date'],
  ])('rejects %s as not a plain object', (_why, value, expected) => {
    const message = validateLabels(value);
    expect(message).toContain('labels must be an object');
    expect(message).toContain(expected);
  });

  it('rejects more than the maximum number of labels, saying how many', () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i <= MAX_LABELS; i++) labels[`l${i}`] = 'v';
    expect(validateLabels(labels)).toBe('too many labels: 65; max 64');
  });

  it('names a label whose name is invalid', () => {
    expect(validateLabels({ ok: 'x', '1abc': 'y' })).toBe(`invalid label name "1abc": ${LABEL_NAME_RULE}`);
  });

  it('rejects a label name longer than 128 characters and keeps the message short', () => {
    const message = validateLabels({ ['a'.repeat(5000)]: 'x' });
    expect(message).toMatch(/^invalid label name "a+…"/);
    expect(message!.length).toBeLessThan(200);
  });

  it('quotes a label name holding control characters so the message stays on one line', () => {
    expect(validateLabels({ 'a\nb': 'x' })).toContain('"a\\nb"');
  });

  it('rejects an own __proto__ label, which would corrupt plain-object copies', () => {
    const labels = JSON.parse('{"__proto__":"x"}') as unknown;
    expect(validateLabels(labels)).toBe('label name "__proto__" is reserved');
  });

  it.each([
    ['a number', 5, 'got number'],
    ['null', null, 'got null'],
    ['an object', { a: 1 }, 'got object'],
    ['an array', ['x'], 'got array'],
    ['a boolean', true, 'got boolean'],
  ])('names a label whose value is %s', (_why, value, expected) => {
    expect(validateLabels({ severity: value })).toBe(`label "severity" must have a string value, ${expected}`);
  });

  it('names a label whose value is too long, with its length', () => {
    expect(validateLabels({ summary: 'x'.repeat(MAX_LABEL_VALUE_LENGTH + 1) })).toBe(
      'label "summary" has a value of 1025 chars; max 1024',
    );
  });
});
