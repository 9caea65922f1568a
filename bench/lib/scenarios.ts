/**
 * Scenario definitions. Sizes are the defaults; every size can be overridden by a flag, and
 * `--smoke` swaps in tiny sizes so `npm test` can run the whole harness in seconds.
 */

export type ScenarioName = 'latency' | 'fanout' | 'idle' | 'filtered' | 'churn' | 'slow';
export const SCENARIOS: readonly ScenarioName[] = ['latency', 'fanout', 'idle', 'filtered', 'churn', 'slow'];

export interface ScenarioParams {
  name: ScenarioName;
  /** `slow` runs twice: `control` (nobody slow) and `slow`. */
  variant: string;
  subscribers: number;
  /** Published events per second (0 for idle). */
  rate: number;
  durationS: number;
  /** Leading seconds left out of the latency histogram. */
  warmupS: number;
  /** Label shards; filtered subscribers receive 1/shards of the events. */
  shards: number;
  filtered: boolean;
  /** Fraction of subscribers that stop reading once publishing starts. */
  slowFraction: number;
  /** Close + resume operations per second across all subscribers. */
  churnPerSec: number;
  /** Idle: seconds to wait after all connections are up before measuring memory. */
  settleS: number;
  /** Seconds to wait after the last publish for deliveries to complete. */
  drainS: number;
}

type Sizes = Omit<ScenarioParams, 'name' | 'variant'>;
const base: Sizes = {
  subscribers: 100,
  rate: 100,
  durationS: 30,
  warmupS: 2,
  shards: 100,
  filtered: false,
  slowFraction: 0,
  churnPerSec: 0,
  settleS: 0,
  drainS: 10,
};

const FULL: Record<ScenarioName, Partial<Sizes>> = {
  latency: { subscribers: 100, rate: 2000, durationS: 30 },
  fanout: { subscribers: 5000, rate: 100, durationS: 30 },
  idle: { subscribers: 10_000, rate: 0, durationS: 0, settleS: 5 },
  filtered: { subscribers: 5000, rate: 1000, durationS: 30, filtered: true, shards: 100 },
  churn: { subscribers: 1000, rate: 200, durationS: 30, churnPerSec: 500 },
  slow: { subscribers: 100, rate: 500, durationS: 30, slowFraction: 0.05 },
};

const SMOKE: Record<ScenarioName, Partial<Sizes>> = {
  latency: { subscribers: 20, rate: 200, durationS: 1 },
  fanout: { subscribers: 100, rate: 50, durationS: 1 },
  idle: { subscribers: 200, rate: 0, durationS: 0, settleS: 0.5 },
  filtered: { subscribers: 100, rate: 200, durationS: 1, filtered: true, shards: 10 },
  churn: { subscribers: 40, rate: 100, durationS: 1.5, churnPerSec: 40 },
  slow: { subscribers: 40, rate: 200, durationS: 1, slowFraction: 0.05 },
};

export interface Overrides {
  subscribers?: number;
  rate?: number;
  durationS?: number;
  warmupS?: number;
  shards?: number;
  slowFraction?: number;
  churnPerSec?: number;
  settleS?: number;
  drainS?: number;
}

/** Parameters for one scenario (the slow scenario yields its control variant first). */
export function scenarioParams(name: ScenarioName, smoke: boolean, o: Overrides): ScenarioParams[] {
  const sizes: Sizes = { ...base, ...(smoke ? { warmupS: 0.3, drainS: 3 } : {}), ...(smoke ? SMOKE : FULL)[name] };
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (sizes as unknown as Record<string, number>)[k] = v;
  if (name === 'idle') {
    sizes.rate = 0;
    sizes.durationS = 0;
  }
  if (!sizes.filtered) sizes.shards = Math.max(1, sizes.shards);
  sizes.warmupS = Math.min(sizes.warmupS, sizes.durationS / 2);
  if (name === 'slow') {
    // Smoke checks the harness, not the comparison: the control run is left out.
    if (smoke && o.slowFraction === undefined) return [{ name, variant: '', ...sizes }];
    return [
      { name, variant: 'control', ...sizes, slowFraction: 0 },
      { name, variant: '', ...sizes },
    ];
  }
  return [{ name, variant: '', ...sizes }];
}

/** Whether connection `i` of `n` is slow: spreads round(n * fraction) slow ones evenly. */
export function isSlow(i: number, fraction: number): boolean {
  return fraction > 0 && Math.floor((i + 1) * fraction) > Math.floor(i * fraction);
}
