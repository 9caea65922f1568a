/**
 * The dashboard as on-call uses it, in Debian's Chromium against livegate watching a real
 * Alertmanager fed by a real Prometheus (1 s evaluation, 1 s resend): silence an alert from the
 * UI (keyboard only) and see it SILENCED in a second browser, acknowledge, expire, filter by
 * clicking a label, the axe-core audit, the phone layout, the toast that closes on resolve, and
 * the stale-source banner when the Alertmanager stops.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import {
  launchChromium,
  screenshotPath,
  startAlertmanager,
  startPrometheus,
  waitFor,
  type Alertmanager,
  type Prometheus,
} from '../harness/index.js';
import { startTestServer } from '../harness/livegate.js';
import {
  alertDraft,
  axeViolations,
  ensureDashboardBuilt,
  openDashboard,
  publishState,
  type OpenedPage,
} from './support.js';

const RULES = `
- alert: OncallCritical
  expr: vector(1) > 0
  labels: { severity: critical, team: payments }
  annotations: { summary: "Checkout is failing", runbook_url: "https://runbooks.example/checkout", dashboard_url: "https://grafana.example/d/checkout" }
- alert: OncallWarning
  expr: vector(1) > 0
  labels: { severity: warning, team: db }
  annotations: { summary: "Replication lag above 30 s" }
`;

let browser: Browser;
let am: Alertmanager;
let prom: Prometheus;
let lg: LivegateServer;
const opened: OpenedPage[] = [];
const stoppers: (() => Promise<unknown>)[] = [];

async function open(options: Parameters<typeof openDashboard>[2] = {}, path = '/'): Promise<Page> {
  const o = await openDashboard(browser, `${lg.url}${path}`, options);
  opened.push(o);
  return o.page;
}

const row = (page: Page, alertname: string) => page.locator(`#alert-groups li.alert[data-alertname="${alertname}"]`);

beforeAll(async () => {
  await ensureDashboardBuilt();
  browser = await launchChromium();
  stoppers.push(() => browser.close());
  am = await startAlertmanager();
  stoppers.push(() => am.stop());
  prom = await startPrometheus({ rulesYaml: RULES, alertmanagerTargets: [am.target] });
  stoppers.push(() => prom.stop());
  lg = await startTestServer({
    stats: { intervalMs: 1000 },
    alertmanagers: [{ name: 'prod', url: am.url, intervalMs: 1000 }],
  });
  stoppers.push(() => lg.close());
  await waitFor(async () => (await am.getAlerts()).length === 2, {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: 'both rules firing in Alertmanager',
  });
}, 90_000);

afterAll(async () => {
  const problems = opened.flatMap((o) => o.problems);
  await Promise.all(opened.map((o) => o.close().catch(() => {})));
  for (const stop of stoppers.reverse()) await stop().catch(() => {});
  expect(problems).toEqual([]);
});

// Each test opens Chromium pages and most run axe-core: at a load average of 30 on two cores one
// took 28 s and another passed 30 s. They assert behaviour, not speed, hence 90 s.
describe('on-call dashboard', { timeout: 90_000 }, () => {
  let a: Page;
  let b: Page;

  it('passes an axe-core audit with no serious or critical violations', async () => {
    a = await open();
    b = await open();
    for (const page of [a, b]) {
      await row(page, 'OncallWarning').waitFor({ timeout: 20_000 });
      await row(page, 'OncallCritical').waitFor({ timeout: 20_000 });
    }
    // Runbook and dashboard annotations are links, next to the generator URL.
    const critical = row(a, 'OncallCritical');
    expect(await critical.locator('a.link-runbook').getAttribute('href')).toBe('https://runbooks.example/checkout');
    expect(await critical.locator('a.link-dashboard').getAttribute('href')).toBe('https://grafana.example/d/checkout');
    expect(await critical.locator('a.link-source').getAttribute('href')).toMatch(/^http:\/\/.*\/graph\?/);
    expect(await axeViolations(a)).toEqual([]);
  });

  it('silences an alert from the keyboard: the Alertmanager holds it and a second browser shows SILENCED within 2 s', async () => {
    // Keyboard only: focus the row's "Silence…" button, Enter opens the dialog with the labels prefilled.
    await row(a, 'OncallWarning').locator('button.alert-silence').focus();
    await a.keyboard.press('Enter');
    const dialog = a.locator('dialog.silence-dialog');
    await dialog.waitFor({ state: 'visible' });
    const names = await dialog.locator('.m-name').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(names).toEqual(['alertname', 'severity', 'team']);
    expect(await dialog.locator('.m-value').first().inputValue()).toBe('OncallWarning');
    // Focus starts in the author field (no author remembered yet).
    expect(await a.evaluate(() => document.activeElement?.id)).toBe('silence-author');
    await a.keyboard.type('oncall@example.com');
    // Matchers are editable: drop the severity one (its remove button, from the keyboard).
    await dialog.getByRole('button', { name: 'Remove matcher 2' }).focus();
    await a.keyboard.press('Enter');
    expect(await dialog.locator('.m-name').count()).toBe(2);
    expect(await axeViolations(a)).toEqual([]);
    await a.locator('#silence-comment').focus();
    await a.keyboard.type('replica rebuild in progress');
    await dialog.getByRole('button', { name: '4 h' }).focus();
    await a.keyboard.press('Enter');
    expect(await a.locator('#silence-hours').inputValue()).toBe('4');
    await dialog.getByRole('button', { name: 'Create silence' }).focus();
    const submitted = Date.now();
    await a.keyboard.press('Enter');

    await row(b, 'OncallWarning').and(b.locator('[data-state="silenced"]')).waitFor({ timeout: 2000 });
    const seenAfter = Date.now() - submitted;
    console.log(`silence from the UI → SILENCED in a second browser: ${seenAfter} ms`);
    expect(seenAfter).toBeLessThan(2000);
    const silences = await am.getSilences();
    const made = silences.find((s) => s.comment === 'replica rebuild in progress');
    expect(made?.createdBy).toBe('oncall@example.com');
    expect(made?.matchers.map((m) => `${m.name}=${m.value}`)).toEqual(['alertname=OncallWarning', 'team=db']);
    expect(Date.parse(made!.endsAt) - Date.parse(made!.startsAt)).toBeGreaterThan(4 * 3_600_000 - 60_000);
    // Focus went back to where it came from; the row now names the silence.
    expect(await row(b, 'OncallWarning').textContent()).toContain(
      'Silenced by oncall@example.com: replica rebuild in progress',
    );
    await b.screenshot({ path: screenshotPath('20-oncall-silenced-in-second-browser') });

    // Expire from the silences panel.
    await a.locator(`#silence-list li[data-id="${made!.id}"] button.silence-expire`).click();
    await row(b, 'OncallWarning').and(b.locator('[data-state="firing"]')).waitFor({ timeout: 10_000 });
    expect((await am.getSilences()).find((s) => s.id === made!.id)?.status.state).toBe('expired');
  });

  it('acknowledges an alert as a short silence, and filters by a label from the keyboard, kept in the URL', async () => {
    await row(a, 'OncallCritical').locator('button.alert-ack').click();
    await row(b, 'OncallCritical').and(b.locator('[data-state="silenced"]')).waitFor({ timeout: 10_000 });
    const ack = (await am.getSilences()).find((s) => s.comment.startsWith('ACK!') && s.status.state === 'active');
    expect(Date.parse(ack!.endsAt) - Date.parse(ack!.startsAt)).toBeLessThanOrEqual(15 * 60_000 + 1000);
    await am.expireSilence(ack!.id);

    await row(a, 'OncallWarning').locator('button.label', { hasText: 'team=db' }).focus();
    await a.keyboard.press('Enter');
    await expect.poll(() => a.locator('#alert-groups li.alert').count(), { timeout: 5000 }).toBe(1);
    expect(await a.locator('#alert-filter').inputValue()).toBe('{team="db"}');
    expect(new URL(a.url()).searchParams.get('filter')).toBe('{team="db"}');
    // A page opened from that URL subscribes with the same filter.
    const c = await open({}, `/?filter=${encodeURIComponent('{team="db"}')}`);
    await row(c, 'OncallWarning').waitFor({ timeout: 10_000 });
    expect(await c.locator('#alert-groups li.alert').count()).toBe(1);
    expect(await c.locator('#alert-summary').textContent()).toBe('Showing 1 of 1 alerts.');
  });

  it('puts an alert above the fold on a phone', async () => {
    const phone = await open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const first = phone.locator('#alert-groups li.alert').first();
    await first.waitFor({ timeout: 10_000 });
    const box = await first.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y + 40).toBeLessThan(844);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await phone.screenshot({ path: screenshotPath('21-oncall-phone') });
    expect(await axeViolations(phone)).toEqual([]);
  });

  it('closes the toast of a critical alert when the alert resolves', async () => {
    // The filter of the previous test would hide it. Clearing it changes the page's `alerts`
    // subscription, which the server applies when the page's request arrives; an alert that fires
    // before that is excluded by the old filter and comes in the new subscription's snapshot: listed,
    // but not news, so no toast. OncallCritical (outside the old filter) is listed again once the new
    // subscription is live; only then does the test fire the alert.
    await a.locator('#alert-filter-clear').click();
    await row(a, 'OncallCritical').waitFor({ timeout: 10_000 });
    const alert = { fingerprint: 'feed000000000001', alertname: 'ToastResolves', severity: 'critical' };
    await publishState(lg, alertDraft('alert_firing', alert));
    const toast = a.locator('.toast', { hasText: 'ToastResolves' });
    // Visible, with the earlier tests' toasts still open below it.
    await toast.waitFor({ timeout: 10_000 });
    await publishState(lg, alertDraft('alert_resolved', alert));
    await toast.waitFor({ state: 'detached', timeout: 10_000 });
    // A page opened later still lists it in the 24-hour history, read from the replay window (5 s
    // was too short at a load average of 27 plus three busy loops).
    const later = await open();
    await later
      .locator('#alert-history li.alert[data-fingerprint="feed000000000001"][data-state="resolved"]')
      .waitFor({ state: 'attached', timeout: 10_000 });
  });

  it('shows the stale-source banner within 5 s of the Alertmanager stopping, never "All quiet"', async () => {
    const banner = a.locator('#source-banner');
    expect(await banner.isHidden()).toBe(true);
    await am.kill();
    const stopped = Date.now();
    await banner.waitFor({ state: 'visible', timeout: 5000 });
    console.log(`Alertmanager killed → stale banner: ${Date.now() - stopped} ms`);
    expect(await banner.textContent()).toMatch(/^alertmanager\/prod unreachable since .+ — alerts may be stale\.$/);
    expect(await a.locator('#alerts').textContent()).not.toContain('All quiet');
    await a.screenshot({ path: screenshotPath('22-oncall-stale-banner') });
  });
});
