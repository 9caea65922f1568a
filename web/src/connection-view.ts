/**
 * The connection indicator: state and transport (in a polite live region, so a screen reader
 * hears "Reconnecting…" and "Live via WebSocket"), events per second and the age of the last
 * event (updated every second, outside the live region so they are not read out constantly).
 */
import type { ClientState, LivegateClient, TransportName } from '../../packages/client/src/index.js';
import { setText } from './dom.js';
import { formatDuration, formatNumber } from './format.js';

/** Names of the transports as shown. */
export const TRANSPORT_NAMES: Readonly<Record<TransportName, string>> = {
  sse: 'SSE',
  ws: 'WebSocket',
  poll: 'long-poll',
};

/** Elements of the indicator. */
export interface ConnectionElements {
  readonly root: HTMLElement;
  readonly state: HTMLElement;
  readonly transport: HTMLElement;
  readonly rate: HTMLElement;
  readonly age: HTMLElement;
  readonly detail: HTMLElement;
  /** Shown while a page that was live is not: the panels hold the last known state. */
  readonly staleBanner: HTMLElement;
}

/** Events/s is averaged over this window. */
const RATE_WINDOW_MS = 5000;

/** The indicator. Call {@link tick} every second. */
export class ConnectionView {
  readonly #els: ConnectionElements;
  readonly #client: LivegateClient;
  /** Arrival times of recent envelopes (snapshots included), oldest first. */
  readonly #arrivals: number[] = [];
  #lastEventAt: number | null = null;
  #detail = '';

  constructor(els: ConnectionElements, client: LivegateClient) {
    this.#els = els;
    this.#client = client;
    client.on('*', () => {
      const now = Date.now();
      this.#lastEventAt = now;
      this.#arrivals.push(now);
    });
    client.on('status', () => this.#render());
    client.on('disconnected', ({ error, willRetry, delayMs }) => {
      this.#detail = willRetry
        ? `${error.message}${delayMs === null ? '; waiting for the network' : `; retrying in ${formatDuration(delayMs < 1000 ? 1000 : delayMs)}`}`
        : error.message;
      this.#render();
    });
    client.on('connected', () => {
      this.#detail = '';
      this.#render();
    });
    this.#render();
  }

  /** Refreshes the per-second figures. */
  tick(): void {
    const now = Date.now();
    while (this.#arrivals.length > 0 && this.#arrivals[0]! < now - RATE_WINDOW_MS) this.#arrivals.shift();
    setText(this.#els.rate, formatNumber(this.#arrivals.length / (RATE_WINDOW_MS / 1000)));
    setText(this.#els.age, this.#lastEventAt === null ? 'none yet' : `${formatDuration(now - this.#lastEventAt)} ago`);
  }

  #render(): void {
    const status = this.#client.getStatus();
    const transport = status.transport;
    this.#els.root.dataset.state = status.state;
    this.#els.root.dataset.transport = transport ?? '';
    setText(this.#els.state, stateText(status.state, transport, status.error?.message));
    setText(this.#els.transport, transport === null ? '–' : TRANSPORT_NAMES[transport]);
    setText(this.#els.detail, status.state === 'open' ? '' : this.#detail);
    this.#els.staleBanner.hidden = status.state === 'open' || status.counters.opens === 0;
    this.tick();
  }
}

function stateText(state: ClientState, transport: TransportName | null, error: string | undefined): string {
  switch (state) {
    case 'open':
      return transport === null ? 'Live' : `Live via ${TRANSPORT_NAMES[transport]}`;
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting':
      return 'Reconnecting…';
    case 'closed':
      return error === undefined ? 'Disconnected' : `Disconnected: ${error}`;
  }
}
