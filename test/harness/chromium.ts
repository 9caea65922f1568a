/**
 * Debian's Chromium driven by `playwright-core`, for browser end-to-end tests.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

/** Path of the Debian package's launcher script. */
export const CHROMIUM_BINARY = '/usr/bin/chromium';

/**
 * Flags for a quiet, offline headless Chromium. Without the background-networking ones Chromium
 * keeps trying to reach the internet and slows down.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Repository root, two levels above this file (`test/harness/`). */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Launches `/usr/bin/chromium` headless with {@link CHROMIUM_ARGS}. Close it with `browser.close()`;
 * Playwright also kills it when the test process exits.
 *
 * @param opts - Extra Playwright launch options, merged over the defaults (`args` are appended).
 */
export async function launchChromium(opts: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    headless: true,
    timeout: 30_000,
    ...opts,
    executablePath: opts.executablePath ?? CHROMIUM_BINARY,
    args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
  });
}

/**
 * Returns `<repo>/test-artifacts/screenshots/<name>.png`, creating the directory. Characters other
 * than `[A-Za-z0-9._-]` in `name` become `_`, so a test title can be passed as it is.
 */
export function screenshotPath(name: string): string {
  const dir = join(REPO_ROOT, 'test-artifacts', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const safe = name.replace(/\.png$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_') || 'screenshot';
  return join(dir, `${safe}.png`);
}
