/**
 * The livegate dashboard: one SDK client for `alerts`, `silences`, `health` and `stats`, the
 * panels that render them, toasts for critical events, and the theme. Served by livegate itself
 * (`src/http/dashboard.ts`), so the client talks to the origin the page came from.
 */
import './styles.css';
import {
  alertsReducer,
  createClient,
  healthReducer,
  silencesReducer,
  statsReducer,
  type Alert,
  type ComponentHealth,
} from '../../packages/client/src/index.js';
import { displayState, nameOf, parseFilter, summaryOf } from './alert-model.js';
import { AlertsView, ResolvedAlerts } from './alerts-view.js';
import { ChartsView } from './charts.js';
import { ConnectionView } from './connection-view.js';
import { byId, setText } from './dom.js';
import { renderAge } from './format.js';
import { HealthView } from './health-view.js';
import { MetricsView } from './metrics-view.js';
import { SilencesView } from './silences-view.js';
import { StatsHistory, unwrapStats } from './stats-model.js';
import { StatsView } from './stats-view.js';
import { setupTheme } from './theme.js';
import { BrowserNotifier, Toaster } from './toasts.js';
import { TopicState } from './topic-state.js';

/** Base URL of the server: the directory the page was served from (works behind a path prefix). */
function serverUrl(): string {
  return new URL('.', window.location.href).href;
}

function start(): void {
  const client = createClient({
    url: serverUrl(),
    topics: ['alerts', 'silences', 'health', 'stats'],
    // A dashboard should come back quickly after a server restart; jitter still spreads them out.
    maxReconnectDelayMs: 5000,
  });

  const alerts = new TopicState(client, 'alerts', alertsReducer, 'alert_*');
  const silences = new TopicState(client, 'silences', silencesReducer, 'silence_*');
  const health = new TopicState(client, 'health', healthReducer, 'health_changed');
  const stats = new TopicState(client, 'stats', statsReducer, 'stats_updated');

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

  // Rendering is coalesced: a burst of events costs one DOM update. A timer rather than
  // requestAnimationFrame, which stops in background tabs, where the title must still update.
  const dirty = new Set<() => void>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (render: () => void): void => {
    dirty.add(render);
    timer ??= setTimeout(() => {
      timer = undefined;
      const renders = [...dirty];
      dirty.clear();
      for (const r of renders) r();
    }, 16);
  };

  const resolved = new ResolvedAlerts(client, () => schedule(renderAlerts));
  const alertsView = new AlertsView(
    {
      groups: byId('alert-groups'),
      toggles: byId('alert-states'),
      summary: byId('alert-summary'),
      status: byId('alerts-status'),
    },
    alerts,
    resolved,
  );
  const renderAlerts = (): void => {
    alertsView.render();
    // The tab title says how many alerts fire (unsuppressed), so a background tab still tells.
    const firing = alerts.get().data.alerts.filter((a) => displayState(a) === 'firing').length;
    document.title = firing > 0 ? `(${firing}) livegate` : 'livegate';
  };
  alerts.subscribe(() => schedule(renderAlerts));

  const silencesView = new SilencesView(byId('silence-list'), byId('silences-status'), silences);
  const renderSilences = (): void => silencesView.render();
  silences.subscribe(() => schedule(renderSilences));

  const healthView = new HealthView(byId('health-list'), byId('health-status'), health);
  const renderHealth = (): void => healthView.render();
  health.subscribe(() => schedule(renderHealth));

  const history = new StatsHistory();
  const statsView = new StatsView(byId('stats-tiles'), byId('stats-updated'));
  const charts = new ChartsView(byId('chart-grid'), byId('charts-status'), history);
  const renderStats = (): void => {
    statsView.render(unwrapStats(stats.get().data));
    charts.update();
  };
  stats.subscribe(() => {
    // Every update goes into the history, even two within one render.
    const latest = unwrapStats(stats.get().data);
    if (latest !== null) history.add(latest);
    schedule(renderStats);
  });

  setupFilter(alertsView);
  const metricsView = new MetricsView(
    {
      form: byId<HTMLFormElement>('metrics-form'),
      query: byId<HTMLInputElement>('metrics-query'),
      interval: byId<HTMLInputElement>('metrics-interval'),
      error: byId('metrics-error'),
      status: byId('metrics-status'),
      chart: byId('metrics-chart'),
    },
    client,
  );
  setupTheme(byId<HTMLButtonElement>('theme-toggle'), () => {
    charts.rebuild();
    metricsView.rebuild();
  });

  const toaster = new Toaster(byId('toasts'), new BrowserNotifier(byId<HTMLButtonElement>('notify-toggle')));
  client.on('alert_firing', (event) => {
    const alert = event.data as Alert | null;
    const severity = (alert?.labels?.severity ?? event.labels.severity ?? '').toLowerCase();
    if (event.topic !== 'alerts' || severity !== 'critical' || alert === null) return;
    const summary = summaryOf(alert);
    toaster.show({
      level: 'critical',
      key: `alert:${alert.fingerprint}`,
      title: `Critical alert firing: ${nameOf(alert)}`,
      body: summary || labelLine(alert.labels),
    });
  });
  client.on('health_changed', (event) => {
    const change = event.data as (ComponentHealth & { previous?: string | null }) | null;
    if (event.topic !== 'health' || change?.status !== 'unhealthy' || change.previous === 'unhealthy') return;
    toaster.show({
      level: 'critical',
      key: `health:${change.component}`,
      title: `${change.component} is unhealthy`,
      body: change.detail ?? '',
    });
  });
  client.on('reset', ({ reason }) => {
    toaster.show({
      level: 'info',
      key: 'reset',
      title: 'Stream reset: reloading state',
      body: `The server could not resume this page's stream (${reason}); current state follows.`,
    });
  });

  // Ages ("for 3m 05s", "ends in 2h") and per-second figures, on one timer.
  const tick = (): void => {
    const now = Date.now();
    for (const el of document.querySelectorAll<HTMLTimeElement>('time[data-since], time[data-until]'))
      renderAge(el, now);
    connection.tick();
    statsView.tick();
  };
  setInterval(tick, 1000);

  for (const render of [renderAlerts, renderSilences, renderHealth]) render();
  tick();
}

/** The filter box: parses as you type, explains a malformed matcher inline, keeps it in the URL. */
function setupFilter(view: AlertsView): void {
  const form = byId<HTMLFormElement>('alert-filter-form');
  const input = byId<HTMLInputElement>('alert-filter');
  const error = byId('alert-filter-error');
  const clear = byId<HTMLButtonElement>('alert-filter-clear');
  let timer = 0;
  const apply = (): void => {
    const text = input.value;
    const parsed = parseFilter(text);
    if (parsed.ok) {
      input.removeAttribute('aria-invalid');
      error.hidden = true;
      setText(error, '');
      view.setFilter(parsed);
    } else {
      input.setAttribute('aria-invalid', 'true');
      error.hidden = false;
      setText(error, `Invalid filter: ${parsed.message}`);
    }
    const url = new URL(window.location.href);
    if (text.trim() === '') url.searchParams.delete('filter');
    else url.searchParams.set('filter', text);
    history.replaceState(null, '', url);
  };
  input.value = new URL(window.location.href).searchParams.get('filter') ?? '';
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(apply, 150);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    apply();
  });
  clear.addEventListener('click', () => {
    input.value = '';
    apply();
    input.focus();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && input.value !== '') {
      input.value = '';
      apply();
    }
  });
  if (input.value !== '') apply();
}

function labelLine(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(labels ?? {})
    .filter(([name]) => name !== 'alertname')
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}

start();
