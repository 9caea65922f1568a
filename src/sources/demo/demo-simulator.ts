/**
 * Synthetic alerts for demos and for trying a dashboard without a Prometheus: a handful of
 * realistic alerts (services, instances, severities, runbook annotations) that fire, sometimes get
 * silenced (and sometimes un-silenced again), and resolve, on jittered timers.
 *
 * Pure: time is passed in and randomness injected, so tests drive it without timers. The events
 * have the same shapes as the ingest's and the watcher's (`LiveAlert`, `Silence`), source `demo`,
 * and every alert carries the label `demo="true"` so a dashboard can filter them out.
 *
 * Each slot runs its own cycle: idle → firing → (silenced → firing | resolved) → resolved → idle.
 */
import type { EventDraft, Labels } from '../../core/event.js';
import { ALERTS_TOPIC, SILENCES_TOPIC, eventLabelsOf, type LiveAlert, type Silence } from '../alerts/alert-model.js';
import { fingerprint } from '../alerts/fingerprint.js';
import { formatTime } from '@livegate/protocol';

/** Event `source` and alert origin of the demo. */
export const DEMO_SOURCE = 'demo';

/** Options of {@link DemoSimulator}. */
export interface DemoSimulatorOptions {
  /** Uniform random numbers in [0, 1). Defaults to `Math.random`. */
  readonly random?: () => number;
  /** How many alerts cycle at the same time (at most the catalogue size, 8). Defaults to 6. */
  readonly slots?: number;
  /** Multiplies every delay; 0.1 runs ten times faster. Defaults to 1 (seconds to a minute per step). */
  readonly timeScale?: number;
}

interface Template {
  readonly alertname: string;
  readonly service: string;
  readonly severity: 'critical' | 'warning' | 'info';
  readonly instances: readonly string[];
  readonly summary: string;
  readonly description: string;
}

/** The alerts the demo plays, modelled on common Prometheus rules. */
export const DEMO_CATALOGUE: readonly Template[] = [
  {
    alertname: 'HighErrorRate',
    service: 'checkout',
    severity: 'critical',
    instances: ['checkout-7f9c4-2xk8p:8080', 'checkout-7f9c4-9qz1m:8080'],
    summary: 'More than 5% of checkout requests fail',
    description: 'HTTP 5xx ratio has been above 5% for 5 minutes.',
  },
  {
    alertname: 'HighLatencyP99',
    service: 'search',
    severity: 'warning',
    instances: ['search-api-0:9090', 'search-api-1:9090', 'search-api-2:9090'],
    summary: 'Search p99 latency above 800 ms',
    description: 'histogram_quantile(0.99, …) has been above 0.8 s for 10 minutes.',
  },
  {
    alertname: 'DiskWillFillIn4Hours',
    service: 'postgres',
    severity: 'warning',
    instances: ['db-1:9100', 'db-2:9100'],
    summary: 'Disk /var/lib/postgresql fills up within 4 hours',
    description: 'predict_linear(node_filesystem_avail_bytes[6h], 4*3600) < 0.',
  },
  {
    alertname: 'KubePodCrashLooping',
    service: 'payments',
    severity: 'critical',
    instances: ['payments-worker-5d8f7-lm2cx', 'payments-worker-5d8f7-rt9wd'],
    summary: 'Pod is crash looping',
    description: 'The container restarted more than 3 times in 10 minutes.',
  },
  {
    alertname: 'KafkaConsumerLagHigh',
    service: 'events',
    severity: 'warning',
    instances: ['kafka-exporter:9308'],
    summary: 'Consumer group lag above 50k messages',
    description: 'Group billing-projector is behind on topic orders.',
  },
  {
    alertname: 'TargetDown',
    service: 'node-exporter',
    severity: 'critical',
    instances: ['web-3:9100', 'web-4:9100'],
    summary: 'Scrape target is down',
    description: 'up == 0 for 2 minutes.',
  },
  {
    alertname: 'CertificateExpiringSoon',
    service: 'ingress',
    severity: 'info',
    instances: ['ingress-nginx:10254'],
    summary: 'TLS certificate expires in less than 14 days',
    description: 'Certificate for shop.example.com expires soon.',
  },
  {
    alertname: 'MemoryPressure',
    service: 'cache',
    severity: 'warning',
    instances: ['redis-0:9121', 'redis-1:9121'],
    summary: 'Memory usage above 90%',
    description: 'used_memory / maxmemory above 0.9 for 15 minutes.',
  },
];

type Phase = 'idle' | 'firing' | 'silenced';

interface Slot {
  readonly template: Template;
  phase: Phase;
  dueAt: number;
  alert: LiveAlert | undefined;
  silence: Silence | undefined;
  /** What happens at `dueAt`: from `firing`, `silence` or `resolve`; from `silenced`, `resolve` or `unsilence`. */
  next: 'fire' | 'silence' | 'resolve' | 'unsilence';
}

/** Delays in ms before `timeScale` (uniform in [min, max]). */
const DELAYS = {
  firstFire: [500, 6_000],
  idle: [10_000, 40_000],
  firingToSilence: [5_000, 20_000],
  firingToResolve: [8_000, 45_000],
  silenced: [6_000, 25_000],
} as const;

const SILENCE_PROBABILITY = 0.4;
const RESOLVE_WHILE_SILENCED_PROBABILITY = 0.5;

/** Synthetic alert cycles; see the module comment. */
export class DemoSimulator {
  readonly #random: () => number;
  readonly #timeScale: number;
  readonly #slots: Slot[];
  /** Fingerprints seen firing before: a re-fire is `alert_firing` only, as in the ingest. */
  readonly #seen = new Set<string>();

  constructor(now: number, options: DemoSimulatorOptions = {}) {
    this.#random = options.random ?? Math.random;
    this.#timeScale = options.timeScale ?? 1;
    const slots = options.slots ?? 6;
    if (!Number.isInteger(slots) || slots < 1 || slots > DEMO_CATALOGUE.length)
      throw new TypeError(`DemoSimulator: slots must be an integer from 1 to ${DEMO_CATALOGUE.length}`);
    if (!(this.#timeScale > 0)) throw new TypeError('DemoSimulator: timeScale must be > 0');
    this.#slots = DEMO_CATALOGUE.slice(0, slots).map((template) => ({
      template,
      phase: 'idle',
      dueAt: now + this.#delay(DELAYS.firstFire),
      alert: undefined,
      silence: undefined,
      next: 'fire',
    }));
  }

  /** When the next transition is due (epoch ms). */
  nextDueAt(): number {
    return Math.min(...this.#slots.map((s) => s.dueAt));
  }

  /** Alerts firing now (silenced ones included). */
  firing(): LiveAlert[] {
    return this.#slots.flatMap((s) => (s.alert === undefined ? [] : [s.alert]));
  }

  /** Silences active now. */
  silences(): Silence[] {
    return this.#slots.flatMap((s) => (s.silence === undefined ? [] : [s.silence]));
  }

  /** Runs every transition due at or before `now`, earliest first; returns their drafts in order. */
  advance(now: number): EventDraft[] {
    const drafts: EventDraft[] = [];
    for (;;) {
      let slot: Slot | undefined;
      for (const s of this.#slots) if (s.dueAt <= now && (slot === undefined || s.dueAt < slot.dueAt)) slot = s;
      if (slot === undefined) return drafts;
      // Each transition is stamped with its own due time so a late wake-up keeps the story coherent.
      drafts.push(...this.#step(slot, slot.dueAt));
    }
  }

  #delay([min, max]: readonly [number, number]): number {
    return Math.round((min + this.#random() * (max - min)) * this.#timeScale);
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.min(items.length - 1, Math.floor(this.#random() * items.length))]!;
  }

  #step(slot: Slot, at: number): EventDraft[] {
    const time = formatTime(at);
    switch (slot.phase) {
      case 'idle': {
        const alert = this.#newAlert(slot.template, at);
        slot.alert = alert;
        slot.phase = 'firing';
        slot.next = this.#random() < SILENCE_PROBABILITY ? 'silence' : 'resolve';
        slot.dueAt = at + this.#delay(slot.next === 'silence' ? DELAYS.firingToSilence : DELAYS.firingToResolve);
        const drafts = this.#seen.has(alert.fingerprint) ? [] : [alertDraft('alert_created', alert, time)];
        this.#seen.add(alert.fingerprint);
        drafts.push(alertDraft('alert_firing', alert, time));
        return drafts;
      }
      case 'firing': {
        const alert = slot.alert!;
        if (slot.next === 'silence') {
          // Someone acknowledges the alert with a silence on alertname and instance.
          const silence = this.#newSilence(alert, at);
          slot.silence = silence;
          slot.alert = {
            ...alert,
            status: { state: 'suppressed', silencedBy: [silence.id], inhibitedBy: [] },
            updatedAt: time,
          };
          slot.phase = 'silenced';
          slot.next = this.#random() < RESOLVE_WHILE_SILENCED_PROBABILITY ? 'resolve' : 'unsilence';
          slot.dueAt = at + this.#delay(DELAYS.silenced);
          return [silenceDraft('silence_created', silence, time), alertDraft('alert_silenced', slot.alert, time)];
        }
        return this.#resolve(slot, at);
      }
      case 'silenced': {
        const silence = slot.silence!;
        const expired: Silence = { ...silence, endsAt: time, status: { state: 'expired' }, updatedAt: time };
        slot.silence = undefined;
        if (slot.next === 'resolve') {
          // The problem went away while muted: the alert resolves, then the silence is expired.
          const drafts = this.#resolve(slot, at);
          drafts.push(silenceDraft('silence_expired', expired, time));
          return drafts;
        }
        // The silence ran out before the problem did: the alert notifies again, then resolves later.
        const alert: LiveAlert = {
          ...slot.alert!,
          status: { state: 'active', silencedBy: [], inhibitedBy: [] },
          updatedAt: time,
        };
        slot.alert = alert;
        slot.phase = 'firing';
        slot.next = 'resolve';
        slot.dueAt = at + this.#delay(DELAYS.firingToResolve);
        return [silenceDraft('silence_expired', expired, time), alertDraft('alert_unsuppressed', alert, time)];
      }
    }
  }

  #resolve(slot: Slot, at: number): EventDraft[] {
    const time = formatTime(at);
    const alert = slot.alert!;
    const resolved: LiveAlert = {
      ...alert,
      endsAt: time,
      status: { state: 'resolved', silencedBy: [], inhibitedBy: [] },
      updatedAt: time,
    };
    slot.alert = undefined;
    slot.phase = 'idle';
    slot.next = 'fire';
    slot.dueAt = at + this.#delay(DELAYS.idle);
    return [alertDraft('alert_resolved', resolved, time)];
  }

  #newAlert(template: Template, at: number): LiveAlert {
    const instance = this.#pick(template.instances);
    const labels: Labels = {
      alertname: template.alertname,
      severity: template.severity,
      service: template.service,
      instance,
      env: 'demo',
      demo: 'true',
    };
    const time = formatTime(at);
    return {
      fingerprint: fingerprint(labels),
      labels,
      annotations: {
        summary: template.summary,
        description: template.description,
        runbook_url: `https://runbooks.example.com/${template.alertname.toLowerCase()}`,
      },
      startsAt: time,
      // Like an Alertmanager alert from Prometheus: valid for a while, refreshed while firing.
      endsAt: formatTime(at + 4 * 60_000),
      generatorURL: `http://prometheus.demo.invalid/graph?g0.expr=${encodeURIComponent(`ALERTS{alertname="${template.alertname}"}`)}`,
      status: { state: 'active', silencedBy: [], inhibitedBy: [] },
      origins: [DEMO_SOURCE],
      updatedAt: time,
    };
  }

  #newSilence(alert: LiveAlert, at: number): Silence {
    const time = formatTime(at);
    return {
      id: this.#uuid(),
      matchers: [
        { name: 'alertname', value: alert.labels['alertname'] ?? '', isRegex: false, isEqual: true },
        { name: 'instance', value: alert.labels['instance'] ?? '', isRegex: false, isEqual: true },
      ],
      startsAt: time,
      endsAt: formatTime(at + 2 * 60 * 60_000),
      createdBy: 'oncall@example.com',
      comment: `Investigating ${alert.labels['alertname'] ?? 'alert'} (demo)`,
      status: { state: 'active' },
      origins: [DEMO_SOURCE],
      updatedAt: time,
    };
  }

  /** A version-4-shaped UUID from the injected random source (deterministic in tests). */
  #uuid(): string {
    let hex = '';
    for (let i = 0; i < 32; i++) hex += Math.floor(this.#random() * 16).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

function alertDraft(type: string, alert: LiveAlert, time: string): EventDraft {
  return { topic: ALERTS_TOPIC, type, source: DEMO_SOURCE, labels: eventLabelsOf(alert.labels), data: alert, time };
}

function silenceDraft(type: string, silence: Silence, time: string): EventDraft {
  return {
    topic: SILENCES_TOPIC,
    type,
    source: DEMO_SOURCE,
    labels: { silence_id: silence.id, created_by: silence.createdBy },
    data: silence,
    time,
  };
}
