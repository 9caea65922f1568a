/**
 * The configuration schema: one zod section per top-level key (`sections/*.ts`), composed here.
 * The `Config` type is derived from it; the loader, `serve --help` and docs/configuration.md read
 * the leaves listed in {@link SETTINGS}, so they cannot disagree.
 *
 * Adding a section: see "Config" in the team's SEAMS.md / docs/architecture.md — write
 * `sections/<name>.ts` with `defineSection`, add it to {@link SECTIONS}, run `npm run docs:config`.
 */
import { z } from 'zod';
import { alertmanagersSection } from './sections/alertmanagers.js';
import { alertsSection } from './sections/alerts.js';
import { authSection } from './sections/auth.js';
import { busSection } from './sections/bus.js';
import { clusterSection } from './sections/cluster.js';
import { consoleSection } from './sections/console.js';
import { corsSection } from './sections/cors.js';
import { filtersSection } from './sections/filters.js';
import { limitsSection } from './sections/limits.js';
import { logSection } from './sections/log.js';
import { metricsSection } from './sections/metrics.js';
import { observabilitySection } from './sections/observability.js';
import { pollSection } from './sections/poll.js';
import { prometheusSection } from './sections/prometheus.js';
import { publishSection } from './sections/publish.js';
import { queueSection } from './sections/queue.js';
import { readyzSection } from './sections/readyz.js';
import { replaySection } from './sections/replay.js';
import { serverSection } from './sections/server.js';
import { shutdownSection } from './sections/shutdown.js';
import { socketsSection } from './sections/sockets.js';
import { sseSection } from './sections/sse.js';
import { statsSection } from './sections/stats.js';
import { tlsSection } from './sections/tls.js';
import { wsSection } from './sections/ws.js';
import { describeLeaves, type Setting } from './settings.js';

/** Every section, in the order of `--help` and docs/configuration.md. */
const SECTIONS = [
  serverSection,
  busSection,
  clusterSection,
  replaySection,
  queueSection,
  limitsSection,
  filtersSection,
  socketsSection,
  corsSection,
  sseSection,
  wsSection,
  pollSection,
  publishSection,
  authSection,
  tlsSection,
  statsSection,
  alertmanagersSection,
  alertsSection,
  prometheusSection,
  metricsSection,
  observabilitySection,
  readyzSection,
  consoleSection,
  shutdownSection,
  logSection,
] as const;

const shape = {
  ...serverSection.shape,
  ...busSection.shape,
  ...clusterSection.shape,
  ...replaySection.shape,
  ...queueSection.shape,
  ...limitsSection.shape,
  ...filtersSection.shape,
  ...socketsSection.shape,
  ...corsSection.shape,
  ...sseSection.shape,
  ...wsSection.shape,
  ...pollSection.shape,
  ...publishSection.shape,
  ...authSection.shape,
  ...tlsSection.shape,
  ...statsSection.shape,
  ...alertmanagersSection.shape,
  ...alertsSection.shape,
  ...prometheusSection.shape,
  ...metricsSection.shape,
  ...observabilitySection.shape,
  ...readyzSection.shape,
  ...consoleSection.shape,
  ...shutdownSection.shape,
  ...logSection.shape,
};

/** The root schema: every section, strict (unknown keys are refused), with the sections' cross-checks. */
export const ConfigSchema = z.strictObject(shape).superRefine((config, ctx) => {
  for (const section of SECTIONS) {
    // Each check reads only its own keys; the composed config has them all.
    (section.check as ((c: typeof config, x: typeof ctx) => void) | undefined)?.(config, ctx);
  }
});

/** The validated configuration. */
export type Config = z.output<typeof ConfigSchema>;

/** A config as written in a file or passed programmatically: any subset of keys, nested. */
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Every configuration key (leaf) livegate knows, in section order. */
export const SETTINGS: readonly Setting[] = describeLeaves(shape);

export { envName, flagName, type Setting, type SettingType } from './settings.js';
