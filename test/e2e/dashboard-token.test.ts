/**
 * The dashboard against a server with `auth.mode: jwt`, in Debian's Chromium: a token given as
 * `#access_token=` is kept in sessionStorage (and taken out of the URL), and the dashboard's
 * streams and requests use it; the tenant's forced matcher shows only its own alerts.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/http/auth/publish-keys.js';
import type { LivegateServer } from '../../src/http/server.js';
import { launchChromium, screenshotPath } from '../harness/index.js';
import { startTestServer } from '../harness/livegate.js';
import { signHs256, TEST_SECRET } from '../harness/tokens.js';
import { ensureDashboardBuilt, openDashboard } from './support.js';

describe('dashboard with an access token', () => {
  let browser: Browser;
  let server: LivegateServer;

  beforeAll(async () => {
    await ensureDashboardBuilt();
    browser = await launchChromium();
    server = await startTestServer({
      auth: {
        mode: 'jwt',
        jwt: { secret: TEST_SECRET },
        publishKeys: [{ name: 'pub', sha256: sha256Hex('pub-key-1'), topics: ['alerts'] }],
      },
      stats: { intervalMs: 0 },
    });
    const res = await fetch(`${server.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer pub-key-1' },
      body: JSON.stringify(
        ['a', 'b'].map((team) => ({ labels: { alertname: `Disk-${team}`, team, severity: 'critical' } })),
      ),
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('takes #access_token into sessionStorage, connects with it and shows only its tenant', async () => {
    const token = await signHs256(TEST_SECRET, {
      sub: 'alice',
      claims: { livegate: { subscribe: ['alerts', 'silences', 'health', 'stats'], match: ['{team="a"}'] } },
    });
    const opened = await openDashboard(browser, `${server.url}/#access_token=${token}`);
    try {
      const { page } = opened;
      await page.locator('#conn[data-state="open"]').waitFor({ timeout: 15_000 });
      expect(new URL(page.url()).hash).toBe('');
      expect(await page.evaluate(() => sessionStorage.getItem('livegate-access-token'))).toBe(token);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      await page.getByText('Disk-a').first().waitFor({ timeout: 15_000 });
      expect(await page.getByText('Disk-b').count()).toBe(0);
      expect(await page.locator('#token-button').getAttribute('aria-pressed')).toBe('true');
      await page.screenshot({ path: screenshotPath('dashboard-token') });
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('without a token the streams are refused and the page says so instead of failing silently', async () => {
    const opened = await openDashboard(browser, `${server.url}/`);
    try {
      const { page } = opened;
      await page.locator('#conn[data-state="closed"]').waitFor({ timeout: 15_000 });
      expect(await page.locator('#token-button').getAttribute('aria-pressed')).toBe('false');
    } finally {
      await opened.close();
    }
  });
});
