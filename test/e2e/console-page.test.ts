/**
 * The Console page in Debian's Chromium against livegate following a real `nats-server -js`:
 * topics with live rates and a sparkline, a group's lag bar and the toast when its lag crosses
 * `console.lagAlertThreshold`, the toast on a deletion, the cluster banner while NATS is down, and
 * the axe-core audit. Waits are on what the page shows, with generous deadlines.
 */
import { AckPolicy, connect, type NatsConnection } from 'nats';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { launchChromium, screenshotPath, startNats, waitFor, type NatsServer } from '../harness/index.js';
import { startTestServer } from '../harness/livegate.js';
import { axeViolations, ensureDashboardBuilt, openDashboard, type OpenedPage } from './support.js';

const DEADLINE = 20_000;
let browser: Browser;
let nats: NatsServer;
let client: NatsConnection;
let lg: LivegateServer;
let opened: OpenedPage | undefined;
let page: Page;

beforeAll(async () => {
  await ensureDashboardBuilt();
  browser = await launchChromium();
  nats = await startNats();
  client = await connect({ servers: nats.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  lg = await startTestServer({
    console: {
      cluster: 'e2e',
      nats: { servers: [nats.url] },
      metricsIntervalMs: 500,
      reconcileMs: 5_000,
      lagAlertThreshold: 5,
    },
  });
  const jsm = await client.jetstreamManager();
  await jsm.streams.add({ name: 'orders', subjects: ['orders.>'] });
  await jsm.consumers.add('orders', { durable_name: 'billing', ack_policy: AckPolicy.Explicit });
  await waitFor(
    async () => {
      const res = await fetch(`${lg.url}/api/v1/console/groups?topic=orders`);
      return res.status === 200 && ((await res.json()) as { total: number }).total === 1;
    },
    { timeoutMs: DEADLINE, what: 'the console to see orders/billing' },
  );
}, 60_000);

afterAll(async () => {
  const problems = opened?.problems ?? [];
  await opened?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await lg?.close();
  await client?.close();
  await nats?.stop();
  expect(problems).toEqual([]);
});

const topicRow = (name: string) => page.locator(`#topics-body tr[data-key="${name}"]`);
const groupRow = () => page.locator('#groups-body tr').filter({ hasText: 'billing' });

describe('the Console page', () => {
  it('lists topics and groups from the snapshot and passes an axe-core audit', async () => {
    opened = await openDashboard(browser, `${lg.url}/console.html`);
    page = opened.page;
    await topicRow('orders').waitFor({ timeout: DEADLINE });
    await expect.poll(() => groupRow().locator('meter').getAttribute('value'), { timeout: DEADLINE }).toBe('0');
    await expect.poll(() => page.locator('#cluster-tiles').textContent(), { timeout: DEADLINE }).toContain('e2e');
    expect(await page.locator('nav.page-nav a[aria-current="page"]').textContent()).toBe('Console');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('shows rates and a sparkline as messages arrive, and toasts when the lag crosses the threshold', async () => {
    const js = client.jetstream();
    for (let i = 0; i < 50; i += 1) await js.publish('orders.new', new Uint8Array(32));
    await expect.poll(() => topicRow('orders').locator('td').nth(1).textContent(), { timeout: DEADLINE }).toBe('50');
    await expect
      .poll(async () => Number(await topicRow('orders').locator('td').nth(3).textContent()), { timeout: DEADLINE })
      .toBeGreaterThan(0);
    const points = await topicRow('orders').locator('svg.sparkline polyline').getAttribute('points');
    expect(points?.split(' ').length).toBeGreaterThanOrEqual(2);
    const toast = page.locator('#toasts .toast-critical').filter({ hasText: 'Lag of billing on orders' });
    await toast.waitFor({ timeout: DEADLINE });
    expect(await toast.getAttribute('role')).toBe('alert');
    expect(await groupRow().getAttribute('class')).toContain('lag-alert');
    await page.screenshot({ path: screenshotPath('console-page'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('toasts a deleted topic and drops its rows', async () => {
    const res = await fetch(`${lg.url}/api/v1/console/topics/orders`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    await page.locator('#toasts .toast').filter({ hasText: 'Topic orders deleted' }).waitFor({ timeout: DEADLINE });
    await topicRow('orders').waitFor({ state: 'detached', timeout: DEADLINE });
    await expect
      .poll(() => page.locator('#groups-body').textContent(), { timeout: DEADLINE })
      .toContain('No consumer groups.');
  });

  it('says the cluster is unhealthy while NATS is down, and recovers', async () => {
    await nats.kill();
    const banner = page.locator('#cluster-banner');
    await expect.poll(() => banner.isVisible(), { timeout: DEADLINE }).toBe(true);
    expect(await banner.textContent()).toContain('console/e2e is unhealthy');
    await nats.restart();
    await expect.poll(() => banner.isVisible(), { timeout: DEADLINE }).toBe(false);
  });
});

describe('the Console page without a console', () => {
  it('says the console is off instead of waiting', async () => {
    const plain = await startTestServer({});
    const o = await openDashboard(browser, `${plain.url}/console.html`);
    try {
      await expect
        .poll(() => o.page.locator('#topics-status').textContent(), { timeout: DEADLINE })
        .toContain('The console is off on this server');
      expect(o.problems.filter((p) => !p.includes('404'))).toEqual([]);
    } finally {
      await o.close();
      await plain.close();
    }
  });
});
