/**
 * The livegate dashboard: an SDK client for `silences`, `health` and `stats`, and a second one for
 * `alerts` whose subscription carries the label filter as `match` (server-side filtering; the
 * other topics must not be filtered by alert labels), the panels that render them, the on-call
 * actions (silence, acknowledge, expire), toasts for critical events, and the theme. Served by
 * livegate itself (`src/http/dashboard.ts`), so the clients talk to the origin the page came from.
 */
import './styles.css';
import {
  alertsReducer,
  healthReducer,
  silencesReducer,
  statsReducer,
  type Alert,
  type ComponentHealth,
  type LivegateClient,
} from '../../packages/client/src/index.js';
import { nameOf, parseFilter, summaryOf } from './alert-model.js';
import { AlertsView, ResolvedAlerts } from './alerts-view.js';
import { ChartsView } from './charts.js';
import { byId, setText } from './dom.js';
import { HealthView } from './health-view.js';
import { MetricsView } from './metrics-view.js';
import { SilencesView } from './silences-view.js';
import { StatsHistory, unwrapStats } from './stats-model.js';
import { StatsView } from './stats-view.js';
import { TopicState } from './topic-state.js';
import { ACK_MINUTES, countByDisplayState, matchersFor, silenceBody } from './oncall-model.js';
import { SilenceDialog } from './silence-dialog.js';
import { backfillResolved } from './history-backfill.js';
import { createSilence, expireSilence } from './silence-api.js';
import { matcherText } from './silences-view.js';
import { readSetting } from './settings.js';
import { pageClient, startPage } from './page.js';

/** The `alerts` subscription for a canonical filter (`''` = every alert). */
function alertsFilter(canonical: string): { topics: string[]; match?: string[] } {
  return canonical === '' ? { topics: ['alerts'] } : { topics: ['alerts'], match: [canonical] };
}

function start(): void {
  const page = startPage(['silences', 'health', 'stats']);
  const { client, toaster } = page;
  const initial = parseFilter(new URL(window.location.href).searchParams.get('filter') ?? '');
  const alertsClient = pageClient(alertsFilter(initial.ok ? initial.canonical : ''));

  const alerts = new TopicState(alertsClient, 'alerts', alertsReducer, 'alert_*');
  const silences = new TopicState(client, 'silences', silencesReducer, 'silence_*');
  const health = new TopicState(client, 'health', healthReducer, 'health_changed');
  const stats = new TopicState(client, 'stats', statsReducer, 'stats_updated');

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

  const info = (title: string, body = ''): void => toaster.show({ level: 'info', title, body });
  const dialog = new SilenceDialog((id) => info('Silence created', `Silence ${id} is active in the Alertmanager.`));
  const filterInput = byId<HTMLInputElement>('alert-filter');

  const resolved = new ResolvedAlerts(alertsClient, () => schedule(renderAlerts));
  backfillResolved((event) => resolved.backfill(event), initial.ok ? initial.canonical : '').catch(() => {
    // The history then starts at page load.
  });
  const alertsView = new AlertsView(
    {
      groups: byId('alert-groups'),
      toggles: byId('alert-states'),
      summary: byId('alert-summary'),
      status: byId('alerts-status'),
      banner: byId('source-banner'),
      groupBy: byId<HTMLInputElement>('alert-group-by'),
      search: byId<HTMLInputElement>('alert-search'),
      history: byId<HTMLDetailsElement>('alert-history'),
      historyCount: byId('alert-history-count'),
      historyList: byId('alert-history-list'),
    },
    { alerts, silences, health },
    resolved,
    {
      silence: (matchers, what) => dialog.open(matchers, what),
      acknowledge: (alert) => {
        const author = readSetting('livegate.silence.author') ?? 'livegate dashboard';
        const body = silenceBody(
          matchersFor(alert.labels ?? {}),
          ACK_MINUTES,
          author,
          `ACK! ${nameOf(alert)} acknowledged from the livegate dashboard`,
        );
        createSilence(body).then(
          () => info(`Acknowledged ${nameOf(alert)}`, `Silenced for ${ACK_MINUTES} minutes.`),
          (err: unknown) => info(`Could not acknowledge ${nameOf(alert)}`, (err as Error).message),
        );
      },
      filterBy: (name, value) => {
        const current = parseFilter(filterInput.value);
        const base = current.ok && current.canonical !== '' ? current.canonical.slice(1, -1) + ',' : '';
        filterInput.value = `{${base}${name}=${JSON.stringify(value)}}`;
        filterInput.dispatchEvent(new Event('change'));
        filterInput.focus();
      },
    },
  );
  const labelNames = byId('alert-label-names');
  let knownNames = '';
  const renderAlerts = (): void => {
    alertsView.render();
    const counts = countByDisplayState(alerts.get().data.alerts);
    // The tab title says how many alerts fire (unsuppressed), so a background tab still tells.
    document.title = counts.firing > 0 ? `(${counts.firing}) livegate` : 'livegate';
    statsView.render();
    const names = [...new Set(alerts.get().data.alerts.flatMap((a) => Object.keys(a.labels ?? {})))].sort();
    if (names.join() !== knownNames) {
      knownNames = names.join();
      labelNames.replaceChildren(...names.map((n) => Object.assign(document.createElement('option'), { value: n })));
    }
  };
  alerts.subscribe(() => schedule(renderAlerts));

  const silencesView = new SilencesView(byId('silence-list'), byId('silences-status'), silences, (silence) => {
    expireSilence(silence.id).then(
      () => info('Silence expired', (silence.matchers ?? []).map(matcherText).join(', ')),
      (err: unknown) => info('Could not expire the silence', (err as Error).message),
    );
  });
  const renderSilences = (): void => silencesView.render();
  // Rows name the silences that mute them.
  silences.subscribe(() => schedule(renderSilences));
  silences.subscribe(() => schedule(renderAlerts));

  const healthView = new HealthView(byId('health-list'), byId('health-status'), health);
  const renderHealth = (): void => healthView.render();
  health.subscribe(() => schedule(renderHealth));
  // The stale-source banner follows health.
  health.subscribe(() => schedule(renderAlerts));

  const history = new StatsHistory();
  const statsView = new StatsView(byId('stats-tiles'), byId('stats-updated'), () =>
    alerts.get().status === 'pending' ? null : countByDisplayState(alerts.get().data.alerts),
  );
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

  setupFilter(alertsClient);
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
  alertsClient.on('alert_resolved', (event) => {
    const alert = event.data as Alert | null;
    if (event.topic === 'alerts' && alert !== null && typeof alert.fingerprint === 'string')
      toaster.close(`alert:${alert.fingerprint}`);
  });
  alertsClient.on('alert_firing', (event) => {
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
  for (const c of [client, alertsClient])
    c.on('reset', ({ reason }) => {
      toaster.show({
        level: 'info',
        key: 'reset',
        title: 'Stream reset: reloading state',
        body: `The server could not resume this page's stream (${reason}); current state follows.`,
      });
    });

  for (const render of [renderAlerts, renderSilences, renderHealth]) render();
  page.run({
    onTheme: () => {
      charts.rebuild();
      metricsView.rebuild();
    },
    tick: () => statsView.tick(),
  });
}

/**
 * The filter box: parses as you type, explains a malformed matcher inline, keeps it in the URL, and
 * sends it to the server as the `alerts` subscription's `match`.
 */
function setupFilter(alertsClient: LivegateClient): void {
  const form = byId<HTMLFormElement>('alert-filter-form');
  const input = byId<HTMLInputElement>('alert-filter');
  const error = byId('alert-filter-error');
  const clear = byId<HTMLButtonElement>('alert-filter-clear');
  let timer = 0;
  let sent = parseFilter(input.value);
  let sentCanonical = sent.ok ? sent.canonical : '';
  const apply = (): void => {
    const text = input.value;
    const parsed = parseFilter(text);
    if (parsed.ok) {
      input.removeAttribute('aria-invalid');
      error.hidden = true;
      setText(error, '');
      if (parsed.canonical !== sentCanonical) {
        sentCanonical = parsed.canonical;
        alertsClient.setFilter(alertsFilter(parsed.canonical)).catch((err: unknown) => {
          input.setAttribute('aria-invalid', 'true');
          error.hidden = false;
          setText(error, `The server refused the filter: ${(err as Error).message}`);
        });
      }
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
  sent = parseFilter(input.value);
  sentCanonical = sent.ok ? sent.canonical : '';
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(apply, 300);
  });
  input.addEventListener('change', () => {
    clearTimeout(timer);
    apply();
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
  if (!sent.ok) apply();
}

function labelLine(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(labels ?? {})
    .filter(([name]) => name !== 'alertname')
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}

start();
