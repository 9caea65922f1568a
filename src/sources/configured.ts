/**
 * Builds the sources the configuration asks for: the Alertmanager-compatible ingest
 * (`alerts.ingest`), the Alertmanager watcher (`alertmanagers`) and the demo (`demo`), plus the
 * one owner of the `alerts` and `silences` state topics they share.
 *
 * Why a separate owner: a state topic's reducer is registered with the hub exactly once, and any
 * combination of these publishers may run (ingest alone, watcher alone, both, the demo on top). So
 * none of them carries the reducers; {@link AlertStateSource} does, and it is added once, first,
 * whenever at least one of them is enabled. With none enabled, `alerts` and `silences` are plain
 * topics (no snapshots), as documented for state topics.
 */
import type { Config } from '../config/schema.js';
import { Authenticator, requirePublisher } from '../http/auth.js';
import { AlertStateSource } from './alerts/alert-state-source.js';
import { IngestSource } from './alerts/ingest-source.js';
import type { WatchTelemetry } from './alertmanager/watch-telemetry.js';
import { AlertmanagerWatcher } from './alertmanager/watcher-source.js';
import { DemoSource } from './demo/demo-source.js';
import type { Source } from './source.js';
import type { StatsContributor } from './stats/stats-source.js';

/** What {@link configuredSources} needs from the server besides the config. */
export interface ConfiguredSourceDeps {
  /** The `stats_updated` publisher, when stats are on: alert counts are added to it. */
  readonly stats?: { contribute(contributor: StatsContributor): void } | undefined;
  /** Receives the Alertmanager watcher's poll outcomes (metrics). Defaults to none. */
  readonly watchTelemetry?: WatchTelemetry;
}

/**
 * The sources enabled by `config`, in start order (the state owner first). Pass them to the
 * server together with any programmatic sources.
 */
export function configuredSources(config: Config, deps: ConfiguredSourceDeps = {}): Source[] {
  // Ingest and webhook are publish paths: with an admin token set they need it, like POST /api/v2/events.
  const auth = new Authenticator(config.auth.adminToken);
  const authorize = (headers: Parameters<Authenticator['authenticate']>[0]): void =>
    requirePublisher(auth.authenticate(headers));
  const publishers: Source[] = [];
  if (config.alerts.ingest)
    publishers.push(new IngestSource({ resolveTimeoutMs: config.alerts.resolveTimeoutMs, authorize }));
  if (config.alertmanagers.length > 0)
    publishers.push(
      new AlertmanagerWatcher(config.alertmanagers, {
        authorize,
        telemetry: deps.watchTelemetry,
      }),
    );
  if (config.demo) publishers.push(new DemoSource());
  if (publishers.length === 0) return [];
  const state = new AlertStateSource();
  deps.stats?.contribute(() => ({ ...state.counts() }));
  return [state, ...publishers];
}
