/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core against livegate
 * servers started in-process. One browser for the file, a fresh context per test; screenshots of
 * each step go to test-artifacts/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { freePort, launchChromium, screenshotPath } from '../harness/index.js';
import { startTestServer } from '../harness/livegate.js';
import { startTestServerOnPort } from '../harness/livegate-port.js';
import {
  alertDraft,
  ensureDashboardBuilt,
  healthDraft,
  openDashboard,
  publishState,
  silenceDraft,
  type OpenedPage,
} from './support.js';

let browser: Browser;
const servers: LivegateServer[] = [];
const pages: OpenedPage[] = [];

beforeAll(async () => {
  await ensureDashboardBuilt();
  browser = await launchChromium();
});

afterEach(async () => {
  // Every page must have run without uncaught errors or CSP violations.
  const problems = pages.flatMap((p) => p.problems);
  await Promise.all(pages.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

async function server(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<LivegateServer> {
  const s = await startTestServer(overrides);
  servers.push(s);
  return s;
}

async function open(url: string, options: Parameters<typeof openDashboard>[2] = {}): Promise<Page> {
  const opened = await openDashboard(browser, url, options);
  pages.push(opened);
  return opened.page;
}

/** Waits until the connection indicator says `open` on `transport`. */
async function waitLive(page: Page, transport: string, timeout = 10_000): Promise<void> {
  await page.locator(`#conn[data-state="open"][data-transport="${transport}"]`).waitFor({ timeout });
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: screenshotPath(name), fullPage });
}

const alertRow = (page: Page, fingerprint: string) => page.locator(`li.alert[data-fingerprint="${fingerprint}"]`);

describe('dashboard', () => {
  it('loads and connects over SSE, showing health and the connection it uses', async () => {
    const s = await server({ stats: { intervalMs: 500 } });
    const page = await open(`${s.url}/`);
    await waitLive(page, 'sse');
    await expect.poll(() => page.locator('#conn-state').textContent()).toBe('Live via SSE');
    await expect.poll(() => page.locator('#conn-transport').textContent()).toBe('SSE');
    await page.locator('#health-list li[data-component="bus"][data-status="healthy"]').waitFor();
    await page
      .locator('.tile[data-tile="Connections"] .tile-value')
      .filter({ hasText: /^[1-9]/ })
      .waitFor();
    await expect.poll(() => page.locator('#stats-updated').textContent()).toMatch(/^Updated/);
    // The server agrees: two SSE connections from Chromium, one for alerts (its subscription carries
    // the label filter as `match`) and one for silences, health and stats.
    const connections = (await (await fetch(`${s.url}/api/v2/connections`)).json()) as {
      connections: { transport: string; userAgent?: string }[];
    };
    expect(
      connections.connections.filter((c) => c.transport === 'sse' && /Chrom/.test(c.userAgent ?? '')),
    ).toHaveLength(2);
    await shot(page, '01-connected-over-sse');
  });

  it('shows an alert published through the API within one second, and updates it in place', async () => {
    const s = await server();
    const page = await open(`${s.url}/`);
    await waitLive(page, 'sse');
    await page.locator('#alert-groups .empty').waitFor();

    await publishState(s, silenceDraft('silence-1', { alertname: 'DiskFull' }, 'disk swap tonight'));
    await publishState(
      s,
      alertDraft('alert_firing', {
        fingerprint: 'aaaa000000000001',
        alertname: 'DiskFull',
        severity: 'warning',
        labels: { team: 'db', instance: 'db-1:9100' },
        summary: 'Disk /data is 97% full',
      }),
    );
    const published = Date.now();
    const row = alertRow(page, 'aaaa000000000001');
    await row.waitFor({ timeout: 1000 });
    expect(Date.now() - published).toBeLessThan(1000);
    await expect.poll(() => row.getAttribute('data-state')).toBe('firing');
    // Grouped by alertname by default, with a count.
    expect(await page.locator('.label-group[data-group="DiskFull"] h3').textContent()).toBe('alertname=DiskFull 1');
    expect(await row.textContent()).toContain('Disk /data is 97% full');
    await expect.poll(() => page.title()).toBe('(1) livegate');
    await shot(page, '02-alert-appears');

    // The same row (same DOM node) changes state and is highlighted.
    await row.evaluate((el) => ((el as HTMLElement & { marked?: boolean }).marked = true));
    await publishState(
      s,
      alertDraft('alert_silenced', {
        fingerprint: 'aaaa000000000001',
        alertname: 'DiskFull',
        severity: 'warning',
        labels: { team: 'db', instance: 'db-1:9100' },
        state: 'suppressed',
        silencedBy: ['silence-1'],
      }),
    );
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 1000 }).toBe('silenced');
    expect(
      await row.evaluate(
        (el) => (el as HTMLElement & { marked?: boolean }).marked === true && el.classList.contains('flash'),
      ),
    ).toBe(true);
    // The silence is named by its author and comment, not by its id.
    expect(await row.textContent()).toContain('Silenced by oncall@example.com: disk swap tonight');
    expect(await page.title()).toBe('livegate');
    await shot(page, '03-alert-updated-in-place');

    await publishState(
      s,
      alertDraft('alert_resolved', {
        fingerprint: 'aaaa000000000001',
        alertname: 'DiskFull',
        severity: 'warning',
        labels: { team: 'db', instance: 'db-1:9100' },
      }),
    );
    // Resolved alerts move to the collapsible 24-hour history.
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 1000 }).toBe('resolved');
    expect(await page.locator('#alert-history-count').textContent()).toBe('1');
    expect(await page.locator('#alert-history li.alert[data-fingerprint="aaaa000000000001"]').count()).toBe(1);
  });

  it('filters alerts with the server matcher syntax and explains a malformed matcher inline', async () => {
    const s = await server();
    const page = await open(`${s.url}/`);
    await waitLive(page, 'sse');
    await publishState(s, [
      alertDraft('alert_firing', {
        fingerprint: 'bbbb000000000001',
        alertname: 'DbDown',
        severity: 'critical',
        labels: { team: 'db' },
      }),
      alertDraft('alert_firing', {
        fingerprint: 'bbbb000000000002',
        alertname: 'InfraSlow',
        severity: 'warning',
        labels: { team: 'infra' },
      }),
      alertDraft('alert_firing', {
        fingerprint: 'bbbb000000000003',
        alertname: 'WebErrors',
        severity: 'critical',
        labels: { team: 'web' },
      }),
    ]);
    await expect.poll(() => page.locator('li.alert').count()).toBe(3);

    const input = page.getByLabel('Filter by labels');
    await input.fill('{severity="critical",team=~"db|infra"}');
    await expect.poll(() => page.locator('li.alert').count()).toBe(1);
    expect(await alertRow(page, 'bbbb000000000001').isVisible()).toBe(true);
    // Filtered by the server: the page only holds the one alert its subscription matches.
    expect(await page.locator('#alert-summary').textContent()).toBe('Showing 1 of 1 alerts.');
    expect(new URL(page.url()).searchParams.get('filter')).toBe('{severity="critical",team=~"db|infra"}');

    await input.fill('{severity="critical",team=~"db|infra"');
    const error = page.locator('#alert-filter-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/^Invalid filter: .*position \d+|^Invalid filter: .+/);
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    // The last valid filter stays in force while the text is being fixed.
    expect(await page.locator('li.alert').count()).toBe(1);
    await shot(page, '04-filter-error');

    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.locator('li.alert').count()).toBe(3);
    expect(await error.isHidden()).toBe(true);
    expect(await input.getAttribute('aria-invalid')).toBeNull();
  });

  it('raises a toast for a critical alert and an unhealthy source, dismissable from the keyboard', async () => {
    const s = await server();
    const page = await open(`${s.url}/`);
    await waitLive(page, 'sse');

    await publishState(
      s,
      alertDraft('alert_firing', { fingerprint: 'cccc000000000001', alertname: 'WarnOnly', severity: 'warning' }),
    );
    await alertRow(page, 'cccc000000000001').waitFor({ timeout: 1000 });
    await publishState(
      s,
      alertDraft('alert_firing', {
        fingerprint: 'cccc000000000002',
        alertname: 'PaymentsDown',
        severity: 'critical',
        summary: 'Checkout fails for every user',
      }),
    );
    const critical = page.locator('.toast[role="alert"]', { hasText: 'PaymentsDown' });
    await critical.waitFor({ timeout: 1000 });
    expect(await critical.textContent()).toContain('Checkout fails for every user');
    // A warning raises no toast.
    expect(await page.locator('.toast', { hasText: 'WarnOnly' }).count()).toBe(0);

    await publishState(s, healthDraft('alertmanager/prod', 'unhealthy', 'connection refused', 'healthy'));
    const unhealthy = page.locator('.toast[role="alert"]', { hasText: 'alertmanager/prod is unhealthy' });
    await unhealthy.waitFor({ timeout: 1000 });
    await page.locator('#health-list li[data-component="alertmanager/prod"][data-status="unhealthy"]').waitFor();
    expect(await page.locator('.toast').count()).toBe(2);
    await shot(page, '05-critical-toasts');

    // Keyboard: Enter on a Dismiss button removes its toast and moves focus to the next one;
    // Escape inside a toast dismisses it, and focus goes back to the page, not to <body>.
    await unhealthy.getByRole('button', { name: /^Dismiss/ }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.toast').count()).toBe(1);
    expect(await page.evaluate(() => document.activeElement?.closest('.toast')?.textContent ?? null)).toContain(
      'PaymentsDown',
    );
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.toast').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('keeps a critical toast when informational toasts overflow the stack', async () => {
    const s = await server();
    const page = await open(`${s.url}/`);
    await waitLive(page, 'sse');
    await publishState(
      s,
      alertDraft('alert_firing', { fingerprint: 'c1c1000000000001', alertname: 'StaysUp', severity: 'critical' }),
    );
    const critical = page.locator('.toast[role="alert"]', { hasText: 'StaysUp' });
    await critical.waitFor({ timeout: 10_000 });
    // Six warnings acknowledged in a row: with no Alertmanager behind the server each Ack fails with
    // an info toast, one more than the stack holds (five).
    const warnings = Array.from({ length: 6 }, (_, i) => ({
      fingerprint: `c1c10000000001${i}0`,
      alertname: `AckFails${i}`,
      severity: 'warning',
    }));
    await publishState(
      s,
      warnings.map((w) => alertDraft('alert_firing', w)),
    );
    for (const w of warnings) await alertRow(page, w.fingerprint).waitFor({ timeout: 10_000 });
    for (const w of warnings) await alertRow(page, w.fingerprint).locator('button.alert-ack').click();
    await page
      .locator('.toast[role="status"]', { hasText: 'Could not acknowledge AckFails5' })
      .waitFor({ timeout: 10_000 });
    expect(await page.locator('.toast').count()).toBeLessThanOrEqual(5);
    // The info toasts made room by leaving themselves; the critical one is still there, on screen.
    await critical.waitFor({ timeout: 10_000 });
    const box = await critical.boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y + box!.height).toBeLessThanOrEqual(page.viewportSize()!.height);
  });

  it('runs on WebSocket when the server disables SSE', async () => {
    const s = await server({ transports: ['ws', 'poll'] });
    const page = await open(`${s.url}/`);
    await waitLive(page, 'ws');
    expect(await page.locator('#conn-state').textContent()).toBe('Live via WebSocket');
    await publishState(
      s,
      alertDraft('alert_firing', { fingerprint: 'dddd000000000001', alertname: 'OverWebSocket', severity: 'info' }),
    );
    await alertRow(page, 'dddd000000000001').waitFor({ timeout: 1000 });
    await shot(page, '06-websocket-fallback');
  });

  it('runs on long-poll when the server disables SSE and WebSocket', async () => {
    const s = await server({ transports: ['poll'] });
    const page = await open(`${s.url}/`);
    await waitLive(page, 'poll');
    expect(await page.locator('#conn-state').textContent()).toBe('Live via long-poll');
    await publishState(
      s,
      alertDraft('alert_firing', { fingerprint: 'eeee000000000001', alertname: 'OverLongPoll', severity: 'info' }),
    );
    await alertRow(page, 'eeee000000000001').waitFor({ timeout: 1000 });
    await shot(page, '07-long-poll-fallback');
  });

  it('reconnects by itself after a server restart and shows the new state without a reload', async () => {
    const port = await freePort();
    const first = await startTestServerOnPort(port);
    servers.push(first);
    const page = await open(`${first.url}/`);
    await waitLive(page, 'sse');
    await publishState(
      first,
      alertDraft('alert_firing', { fingerprint: 'ffff000000000001', alertname: 'BeforeRestart', severity: 'warning' }),
    );
    await alertRow(page, 'ffff000000000001').waitFor({ timeout: 1000 });
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    await first.close();
    await page.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: 5000 });
    expect(await page.locator('#conn-state').textContent()).toBe('Reconnecting…');
    await shot(page, '08-restart-reconnecting');

    const second = await startTestServerOnPort(port);
    servers.push(second);
    await waitLive(page, 'sse', 15_000);
    // The new server has a new epoch: the page's resume id is refused with a reset, then snapshots.
    await page.locator('.toast[role="status"]', { hasText: 'Stream reset' }).waitFor({ timeout: 5000 });
    await publishState(
      second,
      alertDraft('alert_firing', { fingerprint: 'ffff000000000002', alertname: 'AfterRestart', severity: 'critical' }),
    );
    await alertRow(page, 'ffff000000000002').waitFor({ timeout: 1000 });
    const info = (await (await fetch(`${second.url}/api/v2/info`)).json()) as { stateTopics: string[] };
    if (info.stateTopics.includes('alerts')) {
      // The snapshot of the new server replaced the old state: the alert from before is gone.
      await expect.poll(() => alertRow(page, 'ffff000000000001').count()).toBe(0);
    }
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await shot(page, '09-restart-reconnected');
  });

  it('fits a narrow screen in dark mode and can be driven from the keyboard', async () => {
    const s = await server({ stats: { intervalMs: 300 } });
    await publishState(s, [
      alertDraft('alert_firing', {
        fingerprint: 'abab000000000001',
        alertname: 'KubePodCrashLooping',
        severity: 'critical',
        labels: { namespace: 'payments', pod: 'payments-worker-5d8f7-rt9wd' },
        summary: 'Pod payments-worker-5d8f7-rt9wd restarts every minute',
        startedMinutesAgo: 12,
      }),
      alertDraft('alert_firing', {
        fingerprint: 'abab000000000002',
        alertname: 'DiskWillFillIn4Hours',
        severity: 'warning',
        labels: { instance: 'db-2:9100', mountpoint: '/var/lib/postgresql' },
      }),
    ]);
    const page = await open(`${s.url}/`, {
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
      isMobile: true,
      hasTouch: true,
    });
    await waitLive(page, 'sse');
    await alertRow(page, 'abab000000000001').waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.locator('.chart-body canvas').first().waitFor();
    await shot(page, '10-narrow-dark', true);

    // The first Tab reaches the skip link, which moves focus to the alerts.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to alerts');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('alerts');
    // The theme toggle is a button with its state exposed.
    const toggle = page.getByRole('button', { name: 'Dark theme' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await shot(page, '11-narrow-light', true);
  });

  it('shows alerts by state and severity, silences, health, tiles and charts together', async () => {
    const s = await server({ stats: { intervalMs: 250 } });
    await publishState(s, [
      alertDraft('alert_firing', {
        fingerprint: 'a1a1000000000001',
        alertname: 'KubePodCrashLooping',
        severity: 'critical',
        labels: { namespace: 'payments', pod: 'payments-worker-5d8f7-rt9wd' },
        summary: 'Pod payments-worker-5d8f7-rt9wd restarts every minute',
        startedMinutesAgo: 12,
      }),
      alertDraft('alert_silenced', {
        fingerprint: 'a1a1000000000002',
        alertname: 'HighErrorRate',
        severity: 'critical',
        labels: { service: 'checkout' },
        summary: 'More than 5% of checkout requests fail',
        state: 'suppressed',
        silencedBy: ['2b4c7f0e-silence'],
        startedMinutesAgo: 40,
      }),
      alertDraft('alert_firing', {
        fingerprint: 'a1a1000000000003',
        alertname: 'DiskWillFillIn4Hours',
        severity: 'warning',
        labels: { instance: 'db-2:9100', mountpoint: '/var/lib/postgresql' },
        summary: 'Disk /var/lib/postgresql fills up within 4 hours',
        startedMinutesAgo: 95,
      }),
      alertDraft('alert_inhibited', {
        fingerprint: 'a1a1000000000004',
        alertname: 'TargetDown',
        severity: 'warning',
        labels: { job: 'node', instance: 'web-3:9100' },
        summary: 'Scrape target is down',
        state: 'suppressed',
        inhibitedBy: ['a1a1000000000001'],
        startedMinutesAgo: 3,
      }),
      alertDraft('alert_firing', {
        fingerprint: 'a1a1000000000005',
        alertname: 'CertificateExpiresSoon',
        severity: 'info',
        labels: { domain: 'api.example.com' },
        summary: 'TLS certificate expires in 13 days',
        startedMinutesAgo: 300,
      }),
      silenceDraft(
        '2b4c7f0e-silence',
        { alertname: 'HighErrorRate', service: 'checkout' },
        'Deploy 1.42 rollback in progress',
      ),
      healthDraft('alertmanager/prod', 'healthy', 'polling every 5s', null),
      healthDraft('ingest', 'degraded', '3 alerts refused in the last minute', 'healthy'),
    ]);
    const page = await open(`${s.url}/`, { viewport: { width: 1400, height: 1000 } });
    await waitLive(page, 'sse');
    await expect.poll(() => page.locator('li.alert').count()).toBe(5);
    await publishState(
      s,
      alertDraft('alert_resolved', {
        fingerprint: 'a1a1000000000006',
        alertname: 'MemoryPressure',
        severity: 'warning',
        labels: { instance: 'cache-1:9100' },
        summary: 'Memory above 90%',
      }),
    );
    for (const [state, count] of [
      ['firing', 3],
      ['silenced', 1],
      ['inhibited', 1],
      ['resolved', 1],
    ] as const) {
      await expect.poll(() => page.locator(`li.alert[data-state="${state}"]`).count()).toBe(count);
    }
    expect(await page.locator('#alert-groups .label-group h3').count()).toBe(5);
    expect(await page.locator('#alert-history-count').textContent()).toBe('1');
    // Tile and chips count the same way.
    expect(await page.locator('.tile[data-tile="Alerts firing"] .tile-value').textContent()).toBe('3');
    expect(await page.locator('button.toggle[data-state="firing"]').textContent()).toBe('Firing 3');
    expect(await page.locator('.tile[data-tile="Alerts firing"] .tile-sub').textContent()).toBe(
      '1 silenced · 1 inhibited',
    );
    // Inhibitors and silences by name, runbooks as links.
    expect(await alertRow(page, 'a1a1000000000004').textContent()).toContain(
      'Inhibited by KubePodCrashLooping (namespace=payments, pod=payments-worker-5d8f7-rt9wd)',
    );
    await page.locator('#silence-list li[data-id="2b4c7f0e-silence"]').waitFor();
    await page.locator('#health-list li[data-component="ingest"][data-status="degraded"]').waitFor();
    // A few stats updates make lines rather than dots.
    const updates = async (): Promise<number> =>
      Number(
        /last (\d+) updates/.exec(
          (await page.locator('[data-chart="events"] .chart-body').getAttribute('aria-label')) ?? '',
        )?.[1] ?? 0,
      );
    await expect.poll(updates, { timeout: 5000 }).toBeGreaterThanOrEqual(4);
    // Wait for the row highlights to fade so the picture is calm.
    await page.waitForTimeout(1700);
    await shot(page, '12-overview-light', true);
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await page.waitForTimeout(100);
    await shot(page, '13-overview-dark', true);
  });
});
