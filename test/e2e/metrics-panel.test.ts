/**
 * The dashboard's Metrics panel in Debian's Chromium against livegate and a real Prometheus: a
 * query from the URL charts live with a legend entry per series, a typed query is kept in the URL,
 * and a server refusal is shown inline.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { launchChromium, screenshotPath, startPrometheus, type Prometheus } from '../harness/index.js';
import { startTestServer } from '../harness/livegate.js';
import { ensureDashboardBuilt, openDashboard, type OpenedPage } from './support.js';

let browser: Browser;
let prom: Prometheus;
let server: LivegateServer;
const pages: OpenedPage[] = [];

beforeAll(async () => {
  await ensureDashboardBuilt();
  [browser, prom] = await Promise.all([launchChromium(), startPrometheus()]);
  server = await startTestServer({ prometheus: { url: prom.url } });
});

afterAll(async () => {
  const problems = pages.flatMap((p) => p.problems);
  await Promise.all(pages.map((p) => p.close()));
  await browser?.close();
  await server?.close();
  await prom?.stop();
  expect(problems).toEqual([]);
});

describe('Metrics panel', () => {
  it('charts a query from the URL live, one legend entry per series', async () => {
    const opened = await openDashboard(browser, `${server.url}/?mq=${encodeURIComponent('up')}&mi=5`);
    pages.push(opened);
    const { page } = opened;
    await expect.poll(() => page.locator('#metrics-query').inputValue()).toBe('up');
    await page.locator('#metrics-chart canvas').waitFor({ timeout: 20_000 });
    await page.locator('#metrics-chart .u-legend .u-series').filter({ hasText: 'job="prometheus"' }).waitFor();
    await expect.poll(() => page.locator('#metrics-status').textContent(), { timeout: 10_000 }).toBe('up every 5 s');
    await expect
      .poll(() => page.locator('#metrics-chart').getAttribute('aria-label'))
      .toMatch(/^Metrics chart: 1 series, \d+ points$/);
    await page.screenshot({ path: screenshotPath('metrics-panel'), fullPage: true });
  }, 40_000);

  it('keeps a typed query in the URL, shows a refusal inline, and recovers with a good query', async () => {
    const opened = await openDashboard(browser, `${server.url}/`);
    pages.push(opened);
    const { page } = opened;
    await page.locator('#metrics-query').fill('sum(rate(prometheus_http_requests_total[1m]');
    await page.locator('#metrics-interval').fill('10');
    await page.locator('#metrics-run').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('mi')).toBe('10');
    expect(new URL(page.url()).searchParams.get('mq')).toBe('sum(rate(prometheus_http_requests_total[1m]');
    const error = page.locator('#metrics-error');
    await error.waitFor({ state: 'visible', timeout: 15_000 });
    await expect.poll(() => error.textContent()).toMatch(/^invalid_promql: syntax error at position \d+/);
    await page.locator('#metrics-query').fill('sum by (handler) (rate(prometheus_http_requests_total[1m]))');
    await page.locator('#metrics-run').click();
    await error.waitFor({ state: 'hidden', timeout: 15_000 });
    await page.locator('#metrics-chart canvas').waitFor({ timeout: 20_000 });
    await expect
      .poll(() => page.locator('#metrics-chart .u-legend .u-series').count(), { timeout: 15_000 })
      .toBeGreaterThan(2);
  }, 60_000);
});
