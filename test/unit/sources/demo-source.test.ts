import { afterEach, describe, expect, it, vi } from 'vitest';
import { testSourceContext } from '../../harness/source-context.js';
import type { EventDraft } from '../../../src/core/event.js';
import { stampDraft } from '../../../src/core/draft-validation.js';
import { isLiveAlert, isSilence, type LiveAlert, type Silence } from '../../../src/sources/alerts/alert-model.js';
import { AlertsReducer } from '../../../src/sources/alerts/alerts-reducer.js';
import { fingerprint } from '../../../src/sources/alerts/fingerprint.js';
import { SilencesReducer } from '../../../src/sources/alerts/silences-reducer.js';
import { DemoSimulator } from '../../../src/sources/demo/demo-simulator.js';
import { DemoSource } from '../../../src/sources/demo/demo-source.js';
import type { SourceContext } from '../../../src/sources/source.js';
import { stamp } from './stamp.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);

/** A small seeded generator (mulberry32), so runs are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs a simulator for `minutes`, waking every `stepMs`; returns every draft in order. */
function run(seed: number, minutes: number, stepMs = 250): { sim: DemoSimulator; drafts: EventDraft[] } {
  const sim = new DemoSimulator(T0, { random: seeded(seed) });
  const drafts: EventDraft[] = [];
  for (let now = T0; now <= T0 + minutes * 60_000; now += stepMs) drafts.push(...sim.advance(now));
  return { sim, drafts };
}

describe('DemoSimulator', () => {
  it('is deterministic for a given random source and clock', () => {
    expect(run(7, 5).drafts).toEqual(run(7, 5).drafts);
    expect(run(7, 5).drafts).not.toEqual(run(8, 5).drafts);
  });

  it('starts firing within seconds, and over ten minutes fires, silences, un-silences and resolves', () => {
    const sim = new DemoSimulator(T0, { random: seeded(1) });
    expect(sim.nextDueAt() - T0).toBeLessThanOrEqual(6_000);
    const { drafts } = run(1, 10);
    const types = new Set(drafts.map((d) => d.type));
    for (const type of [
      'alert_created',
      'alert_firing',
      'alert_silenced',
      'alert_unsuppressed',
      'alert_resolved',
      'silence_created',
      'silence_expired',
    ])
      expect(types).toContain(type);
  });

  it('labels every alert demo="true" with source demo, in shapes the hub and the reducers accept', () => {
    const { drafts } = run(3, 10);
    for (const draft of drafts) {
      expect(draft.source).toBe('demo');
      expect(() => stampDraft(draft, new Date(T0).toISOString(), 'x')).not.toThrow();
      if (draft.topic === 'alerts') {
        expect(isLiveAlert(draft.data)).toBe(true);
        const alert = draft.data as LiveAlert;
        expect(draft.labels).toEqual(alert.labels);
        expect(alert.labels).toMatchObject({ demo: 'true' });
        expect(alert.fingerprint).toBe(fingerprint(alert.labels));
        expect(alert.origins).toEqual(['demo']);
      } else {
        expect(draft.topic).toBe('silences');
        expect(isSilence(draft.data)).toBe(true);
      }
    }
  });

  it('tells a coherent story per alert: created once, silenced only by a silence created just before, never two states at once', () => {
    const { sim, drafts } = run(11, 30, 1000);
    const state = new Map<string, 'firing' | 'silenced' | 'resolved'>();
    const created = new Set<string>();
    const liveSilences = new Set<string>();
    for (const draft of drafts) {
      if (draft.topic === 'silences') {
        const silence = draft.data as Silence;
        if (draft.type === 'silence_created') liveSilences.add(silence.id);
        else if (draft.type === 'silence_expired') expect(liveSilences.delete(silence.id)).toBe(true);
        continue;
      }
      const alert = draft.data as LiveAlert;
      const was = state.get(alert.fingerprint);
      switch (draft.type) {
        case 'alert_created':
          expect(created.has(alert.fingerprint)).toBe(false);
          created.add(alert.fingerprint);
          break;
        case 'alert_firing':
          expect(created.has(alert.fingerprint)).toBe(true);
          expect(was === undefined || was === 'resolved').toBe(true);
          state.set(alert.fingerprint, 'firing');
          break;
        case 'alert_silenced':
          expect(was).toBe('firing');
          expect(alert.status.silencedBy.every((id) => liveSilences.has(id))).toBe(true);
          state.set(alert.fingerprint, 'silenced');
          break;
        case 'alert_unsuppressed':
          expect(was).toBe('silenced');
          state.set(alert.fingerprint, 'firing');
          break;
        case 'alert_resolved':
          expect(was === 'firing' || was === 'silenced').toBe(true);
          expect(alert.status.state).toBe('resolved');
          state.set(alert.fingerprint, 'resolved');
          break;
        default:
          throw new Error(`unexpected ${draft.type}`);
      }
    }
    // Reducers fed the same events end where the simulator is.
    const alerts = new AlertsReducer();
    const silences = new SilencesReducer();
    for (const event of stamp(drafts)) (event.topic === 'alerts' ? alerts : silences).apply(event);
    expect(
      alerts
        .snapshot(() => true)
        .alerts.map((a) => a.fingerprint)
        .sort(),
    ).toEqual(
      sim
        .firing()
        .map((a) => a.fingerprint)
        .sort(),
    );
    expect(
      silences
        .snapshot(() => true)
        .silences.map((s) => s.id)
        .sort(),
    ).toEqual(
      sim
        .silences()
        .map((s) => s.id)
        .sort(),
    );
  });

  it('stamps a late wake-up with each transition’s own due time', () => {
    const sim = new DemoSimulator(T0, { random: seeded(5) });
    const drafts = sim.advance(T0 + 10 * 60_000);
    const times = drafts.map((d) => Date.parse(d.time!));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeLessThan(T0 + 10_000);
  });

  it('refuses bad options at construction', () => {
    expect(() => new DemoSimulator(T0, { slots: 0 })).toThrow(/slots must be an integer from 1 to 8/);
    expect(() => new DemoSimulator(T0, { timeScale: 0 })).toThrow(/timeScale must be > 0/);
  });
});

describe('DemoSource', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('publishes on its own timers and stops cleanly', async () => {
    vi.useFakeTimers({ now: T0 });
    const published: EventDraft[] = [];
    const ctx: SourceContext = testSourceContext({
      publish: async (drafts) => {
        published.push(...drafts);
        return drafts.map(() => 'id');
      },
      setHealth: () => {},
    });
    const source = new DemoSource({ random: seeded(2), now: () => Date.now() });
    await source.start(ctx);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(published.some((d) => d.type === 'alert_firing')).toBe(true);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    const count = published.length;
    expect(new Set(published.map((d) => d.type))).toContain('alert_resolved');
    await source.stop();
    await source.stop();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(published).toHaveLength(count);
  });
});
