import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stampDraft } from '../../../src/core/draft-validation.js';
import { alertState, eventLabelsOf, type LiveAlert } from '../../../src/sources/alerts/alert-model.js';
import { AlertStore } from '../../../src/sources/alerts/alert-store.js';
import { MultiOriginAlerts } from '../../../src/sources/alertmanager/diff.js';

const T0 = Date.UTC(2026, 10, 23, 7, 0, 0);

describe('eventLabelsOf', () => {
  it('returns the same object when every label fits the envelope', () => {
    const labels = { alertname: 'A', severity: 'critical', _x: '' };
    expect(eventLabelsOf(labels)).toBe(labels);
  });

  it('leaves out labels the envelope refuses and keeps the rest', () => {
    const labels = Object.fromEntries([
      ['alertname', 'A'],
      ['service.name', 'api'],
      ['1st', 'x'],
      ['__proto__', 'p'],
      ['n'.repeat(129), 'long name'],
      ['query', 'q'.repeat(1025)],
      ['ok', 'v'.repeat(1024)],
    ]);
    expect(eventLabelsOf(labels)).toEqual({ alertname: 'A', ok: 'v'.repeat(1024) });
  });

  it('keeps at most 64 labels', () => {
    const labels = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`l${i}`, String(i)]));
    const kept = eventLabelsOf(labels);
    expect(Object.keys(kept)).toHaveLength(64);
    expect(kept['l0']).toBe('0');
  });

  it('always produces labels the hub accepts', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 140 }), fc.string({ maxLength: 1100 }), { maxKeys: 80 }),
        (labels) => {
          expect(() =>
            stampDraft(
              { topic: 'alerts', type: 'alert_firing', labels: eventLabelsOf(labels) },
              new Date(T0).toISOString(),
              'test',
            ),
          ).not.toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('alertState', () => {
  it('is resolved only for the resolved status and firing for every other', () => {
    const base = { status: { silencedBy: [], inhibitedBy: [] } } as unknown as LiveAlert;
    const withState = (state: LiveAlert['status']['state']) => ({ ...base, status: { ...base.status, state } });
    expect(alertState(withState('resolved'))).toBe('resolved');
    expect(alertState(withState('active'))).toBe('firing');
    expect(alertState(withState('suppressed'))).toBe('firing');
    expect(alertState(withState('unprocessed'))).toBe('firing');
  });
});

describe('drafts from the alert sources', () => {
  it('pass the hub’s draft validation, including odd labels', () => {
    const store = new AlertStore({ source: 'ingest' });
    const labels = JSON.parse('{"alertname":"A","__proto__":"x","query":"' + 'q'.repeat(2000) + '"}') as Record<
      string,
      string
    >;
    const drafts = [
      ...store.ingest([{ labels, annotations: {}, generatorURL: '' }], T0),
      ...store.tick(T0 + 3_600_000),
    ];
    const multi = new MultiOriginAlerts();
    drafts.push(
      ...multi.update(
        'prod-eu.1',
        [
          {
            fingerprint: 'f',
            labels: { alertname: 'B', 'service.name': 'api' },
            annotations: {},
            startsAt: new Date(T0).toISOString(),
            endsAt: new Date(T0 + 60_000).toISOString(),
            updatedAt: new Date(T0).toISOString(),
            generatorURL: '',
            status: { state: 'active', silencedBy: [], inhibitedBy: [] },
            receivers: [],
          },
        ],
        T0,
      ),
    );
    expect(drafts.map((d) => d.type)).toEqual([
      'alert_created',
      'alert_firing',
      'alert_resolved',
      'alert_created',
      'alert_firing',
    ]);
    for (const draft of drafts) expect(() => stampDraft(draft, new Date(T0).toISOString(), 'test')).not.toThrow();
  });
});
