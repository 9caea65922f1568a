/**
 * Builds the sources the configuration asks for: the Alertmanager-compatible ingest
 * (`alerts.ingest`), the Alertmanager watcher (`alertmanagers`), the demo (`demo`), PromQL metric
 * streams (`prometheus.url`) and the streaming console (`console.nats.servers`), plus the
 * one owner of the `alerts` and `silences` state topics they share.
 *
 * Why a separate owner: a state topic's reducer is registered with the hub exactly once, and any
 * combination of these publishers may run (ingest alone, watcher alone, both, the demo on top). So
 * none of them carries the reducers; {@link AlertStateSource} does, and it is added once, first,
 * whenever at least one of them is enabled. With none enabled, `alerts` and `silences` are plain
 * topics (no snapshots), as documented for state topics.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { AlertStateSource } from './alerts/alert-state-source.js';
import { IngestSource } from './alerts/ingest-source.js';
import type { WatchTelemetry } from './alertmanager/watch-telemetry.js';
import { AlertmanagerWatcher } from './alertmanager/watcher-source.js';
import { AlertmanagerApiSource } from './alertmanager-api/api-source.js';
import { AlertmanagerProbesSource } from './alertmanager-api/probes-source.js';
import { consoleSourceFromConfig } from './console/from-config.js';
import type { ConsoleTelemetry } from './console/telemetry.js';
import { DemoSource } from './demo/demo-source.js';
import { promqlSourceFromConfig } from './promql/from-config.js';
import type { Source } from './source.js';
import type { StatsContributor } from './stats/stats-source.js';

/** What {@link configuredSources} needs from the server besides the config. */
export interface ConfiguredSourceDeps {
  /** Registry for the `livegate_metric_*` metrics of PromQL streams. Defaults to none. */
  readonly metricsRegistry?: Registry | undefined;
  /** The `stats_updated` publisher, when stats are on: alert counts are added to it. */
  readonly stats?: { contribute(contributor: StatsContributor): void } | undefined;
  /** livegate's version, reported by the Alertmanager-compatible `/api/v2/status` without a watched Alertmanager. */
  readonly version?: string | undefined;
  /** Receives the Alertmanager watcher's poll outcomes (metrics). Defaults to none. */
  readonly watchTelemetry?: WatchTelemetry;
  /** Receives the console's round reports (metrics). Defaults to none. */
  readonly consoleTelemetry?: ConsoleTelemetry;
}

/**
 * The sources enabled by `config`, in start order (the state owner first). Pass them to the
 * server together with any programmatic sources.
 */
export function configuredSources(config: Config, deps: ConfiguredSourceDeps = {}): Source[] {
  const publishers: Source[] = [];
  const state = new AlertStateSource();
  if (config.alerts.ingest)
    publishers.push(
      new IngestSource({
        resolveTimeoutMs: config.alerts.resolveTimeoutMs,
        maxAlerts: config.alerts.maxAlerts,
        maxEndsAtAheadMs: config.alerts.maxEndsAtAheadMs,
      }),
    );
  const watcher =
    config.alertmanagers.length > 0
      ? new AlertmanagerWatcher(config.alertmanagers, {
          publishedState: () => ({ alerts: state.alerts.values(), silences: state.silences.values() }),
          ...(deps.watchTelemetry === undefined ? {} : { telemetry: deps.watchTelemetry }),
        })
      : undefined;
  if (watcher !== undefined) publishers.push(watcher);
  if (config.demo) publishers.push(new DemoSource());
  const promql = promqlSourceFromConfig(config, deps.metricsRegistry);
  const streaming = consoleSourceFromConfig(config, deps.consoleTelemetry);
  const others: Source[] = [...(promql === null ? [] : [promql]), ...(streaming === null ? [] : [streaming])];
  if (publishers.length === 0) return others;
  deps.stats?.contribute(() => ({ ...state.counts() }));
  // Alertmanager's API v2 over the merged state (amtool, Karma, Grafana); silences go to the watcher's Alertmanagers.
  const api = new AlertmanagerApiSource({
    state,
    watcher,
    ...(deps.version === undefined ? {} : { version: deps.version }),
  });
  return [state, ...publishers, api, new AlertmanagerProbesSource(), ...others];
}
