/**
 * What every page of the dashboard starts with, once: the access token (taken from the URL, and
 * its button), an SDK client for the page's topics, the connection indicator and the toasts in the
 * top bar every page shares (web/shell.html), then — once the page's own views exist — the theme
 * toggle and one clock that keeps ages ("for 3m 05s", "ends in 2h") and rates current.
 */
import { createClient, type LivegateClient } from '../../packages/client/src/index.js';
import { captureTokenFromUrl, currentToken, setupTokenButton } from './access-token.js';
import { ConnectionView } from './connection-view.js';
import { byId } from './dom.js';
import { renderAge } from './format.js';
import { setupTheme } from './theme.js';
import { BrowserNotifier, Toaster } from './toasts.js';

/** Base URL of the server: the directory the page was served from (works behind a path prefix). */
export function serverUrl(): string {
  return new URL('.', window.location.href).href;
}

/** An SDK client of the page: the server it came from, the access token of the page. */
export function pageClient(subscription: { topics: string[]; match?: string[] }): LivegateClient {
  return createClient({
    url: serverUrl(),
    getToken: currentToken,
    ...subscription,
    // A dashboard should come back quickly after a server restart; jitter still spreads them out.
    maxReconnectDelayMs: 5000,
  });
}

/** What the page gets from {@link startPage}. */
export interface Page {
  /** The client for the page's topics; the top bar shows its connection. */
  readonly client: LivegateClient;
  readonly connection: ConnectionView;
  readonly toaster: Toaster;
  /**
   * Wires the theme toggle and starts the one-second clock; call it once the page's views exist.
   * `onTheme` runs at once and after every theme change (charts redraw their colours); `tick`
   * runs with the clock, after the ages and the connection figures.
   */
  run(options?: { onTheme?: () => void; tick?: () => void }): void;
}

/** Starts a page whose main client subscribes to `topics`. */
export function startPage(topics: string[]): Page {
  captureTokenFromUrl();
  setupTokenButton(byId<HTMLButtonElement>('token-button'));
  const client = pageClient({ topics });
  const connection = new ConnectionView(
    {
      root: byId('conn'),
      state: byId('conn-state'),
      transport: byId('conn-transport'),
      rate: byId('conn-rate'),
      age: byId('conn-age'),
      detail: byId('conn-detail'),
      staleBanner: byId('stale-banner'),
    },
    client,
  );
  const toaster = new Toaster(byId('toasts'), new BrowserNotifier(byId<HTMLButtonElement>('notify-toggle')));
  return {
    client,
    connection,
    toaster,
    run({ onTheme, tick } = {}) {
      setupTheme(byId<HTMLButtonElement>('theme-toggle'), () => onTheme?.());
      // Ages and per-second figures, on one timer.
      const clock = (): void => {
        const now = Date.now();
        for (const el of document.querySelectorAll<HTMLTimeElement>('time[data-since], time[data-until]'))
          renderAge(el, now);
        connection.tick();
        tick?.();
      };
      setInterval(clock, 1000);
      clock();
    },
  };
}
