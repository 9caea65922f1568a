/**
 * Options of the console source, with their defaults and the checks that refuse contradictory
 * values at construction.
 *
 * @module
 */
import { isValidLabelValue } from './names.js';
import type { ConsoleTelemetry } from './telemetry.js';

/** Options of {@link ConsoleSource}. */
export interface ConsoleSourceOptions {
  /** Cluster name: the health component is `console/<cluster>`, events carry `cluster="<cluster>"`. Defaults to `nats`. */
  readonly cluster?: string;
  /** Interval of `metrics_updated` and of the rounds that read the platform, in ms. Defaults to `2000`. */
  readonly metricsIntervalMs?: number;
  /**
   * Longest a full sweep of every topic's groups may take, in ms; a slower sweep (too small a
   * budget for the cluster) makes the health `degraded`. Defaults to `30000`.
   */
  readonly reconcileIntervalMs?: number;
  /** Measure publish→ack latency with a canary stream. Defaults to `false`. */
  readonly canary?: boolean;
  /** Canary messages per round. Defaults to `5`. */
  readonly canarySamples?: number;
  /** Lag at which the dashboard alerts on a group; carried in the cluster health. Defaults to `1000`. */
  readonly lagAlertThreshold?: number;
  /** Most platform requests in one round (each listing page counts one). Defaults to `500`. */
  readonly maxRequestsPerRound?: number;
  /** Longest one round may spend reading the platform, in ms. Defaults to half the metrics interval. */
  readonly roundBudgetMs?: number;
  /** Group listings run in parallel within a round. Defaults to `8`. */
  readonly concurrency?: number;
  /** Most topics plus groups in one `metrics_updated` event; more are split into parts. Defaults to `500`. */
  readonly maxItemsPerEvent?: number;
  /** Clock in epoch ms. Defaults to `Date.now`. */
  readonly now?: () => number;
  /** Receives a report of every connected round (the server's Prometheus metrics). Defaults to none. */
  readonly telemetry?: ConsoleTelemetry | undefined;
}

/** Defaults of {@link ConsoleSourceOptions}. */
export const CONSOLE_DEFAULTS = {
  cluster: 'nats',
  metricsIntervalMs: 2_000,
  reconcileIntervalMs: 30_000,
  canary: false,
  canarySamples: 5,
  lagAlertThreshold: 1_000,
  maxRequestsPerRound: 500,
  concurrency: 8,
  maxItemsPerEvent: 500,
} as const;

/** {@link ConsoleSourceOptions} with every default applied. */
export type ResolvedConsoleOptions = Required<Omit<ConsoleSourceOptions, 'telemetry'>> &
  Pick<ConsoleSourceOptions, 'telemetry'>;

function positiveInt(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min)
    throw new TypeError(`ConsoleSource: ${name} must be an integer >= ${min}, got ${String(value)}`);
}

/** Applies defaults and checks the values; throws a `TypeError` saying how to fix a bad one. */
export function resolveConsoleOptions(options: ConsoleSourceOptions): ResolvedConsoleOptions {
  const metricsIntervalMs = options.metricsIntervalMs ?? CONSOLE_DEFAULTS.metricsIntervalMs;
  const resolved: ResolvedConsoleOptions = {
    cluster: options.cluster ?? CONSOLE_DEFAULTS.cluster,
    metricsIntervalMs,
    reconcileIntervalMs: options.reconcileIntervalMs ?? CONSOLE_DEFAULTS.reconcileIntervalMs,
    canary: options.canary ?? CONSOLE_DEFAULTS.canary,
    canarySamples: options.canarySamples ?? CONSOLE_DEFAULTS.canarySamples,
    lagAlertThreshold: options.lagAlertThreshold ?? CONSOLE_DEFAULTS.lagAlertThreshold,
    maxRequestsPerRound: options.maxRequestsPerRound ?? CONSOLE_DEFAULTS.maxRequestsPerRound,
    roundBudgetMs: options.roundBudgetMs ?? Math.floor(metricsIntervalMs / 2),
    concurrency: options.concurrency ?? CONSOLE_DEFAULTS.concurrency,
    maxItemsPerEvent: options.maxItemsPerEvent ?? CONSOLE_DEFAULTS.maxItemsPerEvent,
    now: options.now ?? Date.now,
    telemetry: options.telemetry,
  };
  if (!isValidLabelValue(resolved.cluster))
    throw new TypeError(
      `ConsoleSource: cluster "${resolved.cluster}" must be 1-64 characters of letters, digits, "_", "-" or "."`,
    );
  positiveInt('metricsIntervalMs', resolved.metricsIntervalMs, 100);
  positiveInt('reconcileIntervalMs', resolved.reconcileIntervalMs, resolved.metricsIntervalMs);
  positiveInt('canarySamples', resolved.canarySamples);
  positiveInt('lagAlertThreshold', resolved.lagAlertThreshold);
  positiveInt('maxRequestsPerRound', resolved.maxRequestsPerRound, 2);
  positiveInt('roundBudgetMs', resolved.roundBudgetMs, 10);
  if (resolved.roundBudgetMs >= resolved.metricsIntervalMs)
    throw new TypeError(
      `ConsoleSource: roundBudgetMs (${resolved.roundBudgetMs}) must be below metricsIntervalMs (${resolved.metricsIntervalMs}) so one round never outlasts the interval`,
    );
  positiveInt('concurrency', resolved.concurrency);
  positiveInt('maxItemsPerEvent', resolved.maxItemsPerEvent, 10);
  return resolved;
}
