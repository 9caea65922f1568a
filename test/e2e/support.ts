/**
 * Helpers for the dashboard end-to-end tests: event drafts in the shapes the alert sources
 * publish (`LiveAlert`, `Silence`, `health_changed`), and a page opener that records what the
 * browser complains about.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Builds `web/dist` when it is missing (e.g. `vitest run test/e2e` without `npm run build`). */
export async function ensureDashboardBuilt(): Promise<void> {
  if (existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html'))) return;
  const { buildWeb } = (await import(pathToFileURL(join(REPO_ROOT, 'web', 'build.mjs')).href)) as {
    buildWeb(options: { quiet: boolean }): Promise<unknown>;
  };
  await buildWeb({ quiet: true });
}

/** Options of {@link alertDraft}. */
export interface AlertSpec {
  readonly fingerprint: string;
  readonly alertname: string;
  readonly severity: string;
  readonly state?: 'active' | 'suppressed' | 'unprocessed' | 'resolved';
  readonly silencedBy?: string[];
  readonly inhibitedBy?: string[];
  readonly labels?: Record<string, string>;
  readonly summary?: string;
  /** Minutes since it started firing. Defaults to 0. */
  readonly startedMinutesAgo?: number;
}

/** An `alerts` event draft whose `data` is a LiveAlert, as `POST /api/v2/events` accepts it. */
export function alertDraft(type: string, spec: AlertSpec): Record<string, unknown> {
  const now = Date.now();
  const labels = { alertname: spec.alertname, severity: spec.severity, ...spec.labels };
  const state = spec.state ?? (type === 'alert_resolved' ? 'resolved' : 'active');
  return {
    topic: 'alerts',
    type,
    source: 'e2e',
    labels,
    data: {
      fingerprint: spec.fingerprint,
      labels,
      annotations: { summary: spec.summary ?? `${spec.alertname} summary` },
      startsAt: new Date(now - (spec.startedMinutesAgo ?? 0) * 60_000).toISOString(),
      endsAt: new Date(state === 'resolved' ? now : now + 3_600_000).toISOString(),
      generatorURL: 'http://prometheus.example/graph?g0.expr=up',
      status: { state, silencedBy: spec.silencedBy ?? [], inhibitedBy: spec.inhibitedBy ?? [] },
      origins: ['e2e'],
      updatedAt: new Date(now).toISOString(),
    },
  };
}

/** A `silences` event draft whose `data` is a Silence. */
export function silenceDraft(id: string, matchers: Record<string, string>, comment: string): Record<string, unknown> {
  const now = Date.now();
  return {
    topic: 'silences',
    type: 'silence_created',
    source: 'e2e',
    labels: {},
    data: {
      id,
      matchers: Object.entries(matchers).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 2 * 3_600_000).toISOString(),
      createdBy: 'oncall@example.com',
      comment,
      status: { state: 'active' },
      origins: ['e2e'],
      updatedAt: new Date(now).toISOString(),
    },
  };
}

/** A `health_changed` draft, as the health reporter publishes it. */
export function healthDraft(
  component: string,
  status: 'healthy' | 'degraded' | 'unhealthy',
  detail: string,
  previous: string | null,
): Record<string, unknown> {
  return {
    topic: 'health',
    type: 'health_changed',
    source: 'e2e',
    labels: { component, status },
    data: { component, status, detail, since: new Date().toISOString(), previous },
  };
}

/** A page and what went wrong in it. */
export interface OpenedPage {
  readonly page: Page;
  /** Uncaught exceptions and Content-Security-Policy violations: a healthy page has none. */
  readonly problems: string[];
  close(): Promise<void>;
}

/** Opens the dashboard in a fresh context (own storage, own viewport and colour scheme). */
export async function openDashboard(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
    ...options,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  // 60 s, not Playwright's 30: at a load average of 42 a dashboard took longer than 30 s to load,
  // and no test asserts how fast a page loads.
  await page.goto(url, { timeout: 60_000 });
  return { page, problems, close: () => context.close() };
}

/** axe-core's browser build, evaluated in the page (the dashboard's CSP rightly refuses inline scripts). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe-core violations of the page as it is now. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document): Promise<unknown> } }).axe;
    return (await axe.run(document)) as {
      violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[];
    };
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${JSON.stringify(v.nodes.map((n) => n.target)).slice(0, 200)})`);
}

/**
 * Publishes state drafts (alerts, silences, health) the way the server's own sources do, through
 * the hub: the publish API refuses state topics to clients (`403 reserved_topic`, issue 9).
 */
export async function publishState(
  server: { hub: { publish(drafts: unknown): Promise<string[]> } },
  drafts: unknown,
): Promise<string[]> {
  return server.hub.publish(drafts);
}
