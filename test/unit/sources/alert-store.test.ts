import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LiveAlert } from '../../../src/sources/alerts/alert-model.js';
import { AlertStore } from '../../../src/sources/alerts/alert-store.js';
import { AlertsReducer } from '../../../src/sources/alerts/alerts-reducer.js';
import { fingerprint } from '../../../src/sources/alerts/fingerprint.js';
import type { PostableAlert } from '../../../src/sources/alerts/postable-alerts.js';
import { stamp, types } from './stamp.js';

const T0 = Date.UTC(2026, 10, 23, 7, 0, 0);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const iso = (ms: number) => new Date(ms).toISOString();

const DISK = { alertname: 'DiskFull', severity: 'critical', instance: 'db-1' };
const DISK_FP = fingerprint(DISK);

function alert(overrides: Partial<PostableAlert> = {}): PostableAlert {
  return { labels: DISK, annotations: {}, generatorURL: '', ...overrides };
}

function data(drafts: ReturnType<AlertStore['ingest']>, i = 0): LiveAlert {
  return drafts[i]!.data as LiveAlert;
}

describe('AlertStore', () => {
  it('publishes alert_created then alert_firing the first time an alert fires', () => {
    const store = new AlertStore({ source: 'ingest' });
    const drafts = store.ingest(
      [
        alert({
          annotations: { summary: 'full' },
          startsAt: T0 - MINUTE,
          endsAt: T0 + 4 * MINUTE,
          generatorURL: 'http://p/g',
        }),
      ],
      T0,
    );
    expect(types(drafts)).toEqual(['alert_created', 'alert_firing']);
    for (const draft of drafts) {
      expect(draft).toMatchObject({ topic: 'alerts', source: 'ingest', labels: DISK, time: iso(T0) });
    }
    expect(data(drafts)).toEqual({
      fingerprint: DISK_FP,
      labels: DISK,
      annotations: { summary: 'full' },
      startsAt: iso(T0 - MINUTE),
      endsAt: iso(T0 + 4 * MINUTE),
      generatorURL: 'http://p/g',
      status: { state: 'active', silencedBy: [], inhibitedBy: [] },
      origins: ['ingest'],
      updatedAt: iso(T0),
    });
  });

  it('publishes nothing when the same alert is posted again', () => {
    const store = new AlertStore({ source: 'ingest' });
    store.ingest([alert({ startsAt: T0, endsAt: T0 + 4 * MINUTE })], T0);
    for (let i = 1; i <= 10; i++) {
      expect(store.ingest([alert({ startsAt: T0, endsAt: T0 + i * MINUTE + 4 * MINUTE })], T0 + i * MINUTE)).toEqual(
        [],
      );
    }
    expect(store.tick(T0 + 10 * MINUTE)).toEqual([]);
  });

  it('publishes one alert_created for duplicates inside one request', () => {
    const store = new AlertStore({ source: 'ingest' });
    expect(types(store.ingest([alert(), alert(), alert()], T0))).toEqual(['alert_created', 'alert_firing']);
    expect(store.size).toBe(1);
  });

  it('resolves an alert when an explicit endsAt in the past arrives', () => {
    const store = new AlertStore({ source: 'ingest' });
    store.ingest([alert({ startsAt: T0, endsAt: T0 + 4 * MINUTE })], T0);
    const drafts = store.ingest([alert({ startsAt: T0, endsAt: T0 + 30 * SECOND })], T0 + MINUTE);
    expect(types(drafts)).toEqual(['alert_resolved']);
    expect(data(drafts)).toMatchObject({ endsAt: iso(T0 + 30 * SECOND), status: { state: 'resolved' } });
    expect(store.firing()).toEqual([]);
  });

  it('publishes nothing when a resolved alert is re-sent resolved (Prometheus does so for 15 minutes)', () => {
    const store = new AlertStore({ source: 'ingest' });
    store.ingest([alert({ startsAt: T0, endsAt: T0 + 4 * MINUTE })], T0);
    store.ingest([alert({ startsAt: T0, endsAt: T0 + MINUTE })], T0 + MINUTE);
    for (let i = 2; i < 15; i++) {
      expect(store.ingest([alert({ startsAt: T0, endsAt: T0 + MINUTE })], T0 + i * MINUTE)).toEqual([]);
    }
  });

  it('publishes only alert_firing when a resolved alert fires again', () => {
    const store = new AlertStore({ source: 'ingest' });
    store.ingest([alert({ startsAt: T0, endsAt: T0 + 4 * MINUTE })], T0);
    store.ingest([alert({ startsAt: T0, endsAt: T0 + MINUTE })], T0 + MINUTE);
    const drafts = store.ingest([alert({ startsAt: T0 + 10 * MINUTE, endsAt: T0 + 14 * MINUTE })], T0 + 10 * MINUTE);
    expect(types(drafts)).toEqual(['alert_firing']);
    expect(data(drafts)).toMatchObject({ startsAt: iso(T0 + 10 * MINUTE), status: { state: 'active' } });
  });

  it('resolves an alert without endsAt when the 5 minute resolve timeout passes', () => {
    const store = new AlertStore({ source: 'ingest' });
    const created = store.ingest([alert()], T0);
    expect(data(created)).toMatchObject({ startsAt: iso(T0), endsAt: iso(T0 + 5 * MINUTE) });
    expect(store.tick(T0 + 5 * MINUTE - 1)).toEqual([]);
    const drafts = store.tick(T0 + 5 * MINUTE);
    expect(types(drafts)).toEqual(['alert_resolved']);
    expect(data(drafts)).toMatchObject({ endsAt: iso(T0 + 5 * MINUTE), status: { state: 'resolved' } });
    expect(store.tick(T0 + 6 * MINUTE)).toEqual([]);
  });

  it('pushes the resolve timeout back each time the alert is re-sent', () => {
    const store = new AlertStore({ source: 'ingest' });
    store.ingest([alert()], T0);
    store.ingest([alert()], T0 + 4 * MINUTE);
    expect(store.tick(T0 + 5 * MINUTE)).toEqual([]);
    expect(store.get(DISK_FP)?.startsAt).toBe(iso(T0));
    expect(types(store.tick(T0 + 9 * MINUTE))).toEqual(['alert_resolved']);
  });

  it('takes its resolve timeout from the options', () => {
    const store = new AlertStore({ source: 'ingest', resolveTimeoutMs: 30 * SECOND });
    store.ingest([alert()], T0);
    expect(types(store.tick(T0 + 30 * SECOND))).toEqual(['alert_resolved']);
  });

  it('resolves a Prometheus alert at its stated endsAt once Prometheus stops re-sending it', () => {
    const store = new AlertStore({ source: 'ingest' });
    store.ingest([alert({ startsAt: T0, endsAt: T0 + 4 * MINUTE })], T0);
    store.ingest([alert({ startsAt: T0, endsAt: T0 + 5 * MINUTE })], T0 + MINUTE);
    expect(store.tick(T0 + 4 * MINUTE)).toEqual([]);
    expect(types(store.tick(T0 + 5 * MINUTE))).toEqual(['alert_resolved']);
  });

  it('never shortens a stated endsAt with a timeout endsAt', () => {
    const store = new AlertStore({ source: 'ingest' });
    store.ingest([alert({ startsAt: T0, endsAt: T0 + 60 * MINUTE })], T0);
    store.ingest([alert()], T0 + MINUTE);
    expect(store.get(DISK_FP)).toMatchObject({ startsAt: iso(T0), endsAt: iso(T0 + 60 * MINUTE) });
    expect(store.tick(T0 + 30 * MINUTE)).toEqual([]);
  });

  it('lets a stated endsAt shorten an earlier timeout endsAt', () => {
    const store = new AlertStore({ source: 'ingest' });
    store.ingest([alert({ startsAt: T0 })], T0);
    store.ingest([alert({ startsAt: T0, endsAt: T0 + 2 * MINUTE })], T0 + MINUTE);
    expect(store.get(DISK_FP)?.endsAt).toBe(iso(T0 + 2 * MINUTE));
    expect(types(store.tick(T0 + 2 * MINUTE))).toEqual(['alert_resolved']);
  });

  it('keeps the earliest startsAt and the newest annotations when overlapping alerts merge', () => {
    const store = new AlertStore({ source: 'ingest' });
    store.ingest([alert({ annotations: { value: '91%' }, startsAt: T0, endsAt: T0 + 4 * MINUTE })], T0);
    const drafts = store.ingest(
      [alert({ annotations: { value: '97%' }, startsAt: T0 + MINUTE, endsAt: T0 + 5 * MINUTE })],
      T0 + MINUTE,
    );
    expect(drafts).toEqual([]);
    expect(store.get(DISK_FP)).toMatchObject({
      annotations: { value: '97%' },
      startsAt: iso(T0),
      endsAt: iso(T0 + 5 * MINUTE),
      updatedAt: iso(T0 + MINUTE),
    });
  });

  // The three cases below were replayed against a real Alertmanager 0.25 with the same results.
  it.each([
    ['a stated end followed by a timeout', [{ endsAt: 'far' }, {}], 'far'],
    ['a timeout followed by a later stated end', [{}, { endsAt: 'later' }], 'later'],
    ['two stated ends, the later one first', [{ endsAt: 'far' }, { startsAt: 30, endsAt: 'less far' }], 'far'],
  ] as const)('ends like Alertmanager after %s', (_name, posts, expected) => {
    const START = Date.UTC(2026, 10, 23, 8, 0, 0);
    const ends = { far: Date.UTC(2099, 0, 1), 'less far': Date.UTC(2098, 0, 1), later: START + 60 * MINUTE };
    const store = new AlertStore({ source: 'ingest' });
    const now = START + 44 * MINUTE;
    posts.forEach((p: { startsAt?: number; endsAt?: keyof typeof ends }, i) => {
      const startsAt = START + (p.startsAt ?? 0) * MINUTE;
      store.ingest(
        [alert(p.endsAt === undefined ? { startsAt } : { startsAt, endsAt: ends[p.endsAt] })],
        now + i * SECOND,
      );
    });
    expect(store.get(DISK_FP)).toMatchObject({ startsAt: iso(START), endsAt: iso(ends[expected]) });
  });

  it('uses endsAt as startsAt when only endsAt is given, as Alertmanager does', () => {
    const store = new AlertStore({ source: 'ingest' });
    const drafts = store.ingest([alert({ endsAt: T0 + 10 * MINUTE })], T0);
    expect(data(drafts)).toMatchObject({ startsAt: iso(T0 + 10 * MINUTE), endsAt: iso(T0 + 10 * MINUTE) });
  });

  it('ignores an alert never seen firing that arrives already resolved', () => {
    const store = new AlertStore({ source: 'ingest' });
    expect(store.ingest([alert({ startsAt: T0 - 10 * MINUTE, endsAt: T0 - MINUTE })], T0)).toEqual([]);
    expect(store.size).toBe(0);
  });

  it('skips an alert whose defaulted endsAt lies before its startsAt, as Alertmanager refuses it', () => {
    const store = new AlertStore({ source: 'ingest' });
    expect(store.ingest([alert({ startsAt: T0 + 10 * MINUTE })], T0)).toEqual([]);
    expect(store.size).toBe(0);
  });

  it('publishes the missed resolve before a re-fire when the timeout passed between two receipts', () => {
    const store = new AlertStore({ source: 'ingest' });
    store.ingest([alert()], T0);
    const drafts = store.ingest([alert()], T0 + 6 * MINUTE);
    expect(types(drafts)).toEqual(['alert_resolved', 'alert_firing']);
    expect(data(drafts, 0).endsAt).toBe(iso(T0 + 5 * MINUTE));
    expect(data(drafts, 1)).toMatchObject({ startsAt: iso(T0 + 6 * MINUTE), status: { state: 'active' } });
  });

  it('forgets resolved alerts after the retention, so a later fire is a new alert', () => {
    const store = new AlertStore({ source: 'ingest', retentionMs: 60 * MINUTE });
    store.ingest([alert()], T0);
    store.tick(T0 + 5 * MINUTE);
    store.tick(T0 + 65 * MINUTE - 1);
    expect(store.get(DISK_FP)?.status.state).toBe('resolved');
    store.tick(T0 + 65 * MINUTE);
    expect(store.get(DISK_FP)).toBeUndefined();
    expect(store.size).toBe(0);
    expect(types(store.ingest([alert()], T0 + 70 * MINUTE))).toEqual(['alert_created', 'alert_firing']);
  });

  it('never forgets a firing alert', () => {
    const store = new AlertStore({ source: 'ingest', retentionMs: 0 });
    store.ingest([alert({ startsAt: T0 - 1000 * MINUTE, endsAt: T0 + 1000 * MINUTE })], T0);
    store.tick(T0 + 999 * MINUTE);
    expect(store.size).toBe(1);
  });

  it('keeps alerts with different label sets apart', () => {
    const store = new AlertStore({ source: 'ingest' });
    const drafts = store.ingest([alert(), alert({ labels: { ...DISK, instance: 'db-2' } })], T0);
    expect(types(drafts)).toEqual(['alert_created', 'alert_firing', 'alert_created', 'alert_firing']);
    expect(new Set(drafts.map((d) => (d.data as LiveAlert).fingerprint)).size).toBe(2);
    expect(store.firing()).toHaveLength(2);
  });

  it('never changes an alert object it already handed out', () => {
    const store = new AlertStore({ source: 'ingest' });
    const first = data(store.ingest([alert({ annotations: { v: '1' } })], T0));
    const copy = structuredClone(first);
    store.ingest([alert({ annotations: { v: '2' } })], T0 + MINUTE);
    store.tick(T0 + 10 * MINUTE);
    expect(first).toEqual(copy);
  });

  it.each([
    [{ source: '' }, /source/],
    [{ source: 'ingest', resolveTimeoutMs: 0 }, /resolveTimeoutMs/],
    [{ source: 'ingest', resolveTimeoutMs: Number.NaN }, /resolveTimeoutMs/],
    [{ source: 'ingest', retentionMs: -1 }, /retentionMs/],
  ])('refuses the options %j', (options, message) => {
    expect(() => new AlertStore(options)).toThrow(TypeError);
    expect(() => new AlertStore(options)).toThrow(message);
  });

  it('keeps firing/resolved alternating per alert and a reducer fed its events in step, for any sequence', () => {
    const labelSets: Record<string, string>[] = [DISK, { alertname: 'A' }, { alertname: 'B', severity: 'warning' }];
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('post' as const),
        which: fc.nat({ max: labelSets.length - 1 }),
        startsOffset: fc.option(fc.integer({ min: -10, max: 2 }), { nil: undefined }),
        endsOffset: fc.option(fc.integer({ min: -3, max: 10 }), { nil: undefined }),
        advance: fc.integer({ min: 0, max: 3 }),
      }),
      fc.record({ kind: fc.constant('tick' as const), advance: fc.integer({ min: 0, max: 90 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const store = new AlertStore({ source: 'ingest', retentionMs: 30 * MINUTE });
        const reducer = new AlertsReducer();
        const lastType = new Map<string, string>();
        let now = T0;
        for (const s of steps) {
          now += s.advance * MINUTE;
          let drafts;
          if (s.kind === 'tick') drafts = store.tick(now);
          else {
            const a: { -readonly [K in keyof PostableAlert]: PostableAlert[K] } = alert({
              labels: labelSets[s.which]!,
            });
            if (s.startsOffset !== undefined) a.startsAt = now + s.startsOffset * MINUTE;
            if (s.endsOffset !== undefined) a.endsAt = now + s.endsOffset * MINUTE;
            if (a.startsAt !== undefined && a.endsAt !== undefined && a.endsAt < a.startsAt) continue;
            drafts = store.ingest([a], now);
          }
          for (const d of drafts) {
            const fp = (d.data as LiveAlert).fingerprint;
            const before = lastType.get(fp);
            if (d.type === 'alert_created') expect(before === undefined || before === 'alert_resolved').toBe(true);
            if (d.type === 'alert_firing') expect(before === 'alert_created' || before === 'alert_resolved').toBe(true);
            if (d.type === 'alert_resolved') expect(before).toBe('alert_firing');
            lastType.set(fp, d.type);
          }
          for (const e of stamp(drafts)) reducer.apply(e);
          const fromEvents = reducer
            .snapshot(() => true)
            .alerts.map((a) => a.fingerprint)
            .sort();
          const inStore = store
            .firing()
            .map((a) => a.fingerprint)
            .sort();
          expect(fromEvents).toEqual(inStore);
        }
      }),
      { numRuns: 300 },
    );
  });
});
