/**
 * The Console page (`/console.html`): the streaming cluster livegate follows (`console.nats.*`),
 * live. One SDK client subscribes to `console` and `health`; the `console` snapshot and its deltas
 * give topics, groups and the cluster, `metrics_updated` gives the rates and sparklines. Toasts say
 * when a topic or group is deleted and when a group's lag crosses `console.lagAlertThreshold`.
 */
import './styles.css';
import {
  consoleReducer,
  healthReducer,
  type ConsoleGroup,
  type ConsoleMetrics,
  type ConsoleSnapshot,
  type ConsoleTopic,
} from '../../packages/client/src/index.js';
import { groupKeyOf, LagWatch, RateHistory } from './console-model.js';
import { ClusterView, GroupsView, TopicsView } from './console-view.js';
import { byId, setText } from './dom.js';
import { TopicState } from './topic-state.js';
import { authHeaders } from './access-token.js';
import { serverUrl, startPage } from './page.js';

function start(): void {
  const page = startPage(['console', 'health']);
  const { client, toaster } = page;
  const state = new TopicState<ConsoleSnapshot>(client, 'console', consoleReducer, '*');
  const health = new TopicState(client, 'health', healthReducer, 'health_changed');
  const rates = new RateHistory();
  const lagWatch = new LagWatch();
  let latest: Pick<ConsoleMetrics, 'canary' | 'cost' | 'totals'> = { canary: null, cost: null, totals: null };

  const cluster = new ClusterView(byId('cluster-tiles'), byId('cluster-status'), byId('cluster-banner'));
  const topics = new TopicsView(byId('topics-body'), byId('topics-status'), rates);
  const groups = new GroupsView(byId('groups-body'), byId('groups-status'), rates);
  const filterInput = byId<HTMLInputElement>('console-filter');

  /** Set when the server has no console (its API is an unknown path). */
  let off = false;
  const threshold = (): number => state.get().data.cluster?.lagAlertThreshold ?? 1000;
  const render = (): void => {
    if (off) {
      const text = 'The console is off on this server: set console.nats.servers (--console-nats-servers).';
      for (const id of ['cluster-status', 'topics-status', 'groups-status']) setText(byId(id), text);
      return;
    }
    const view = state.get();
    const pending = view.status === 'pending';
    const data = view.data;
    const component = data.cluster === null ? undefined : `console/${data.cluster.name}`;
    const componentHealth =
      component === undefined
        ? Object.values(health.get().data.components).find((c) => c.component.startsWith('console/'))
        : health.get().data.components[component];
    cluster.render(data.cluster, componentHealth, latest);
    topics.render(data.topics, filterInput.value, pending);
    groups.render(data.groups, filterInput.value, threshold(), pending);
  };

  // One render per burst of events (a round publishes many).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (): void => {
    timer ??= setTimeout(() => {
      timer = undefined;
      render();
    }, 50);
  };
  state.subscribe(() => {
    const data = state.get().data;
    rates.retain(new Set(data.topics.map((t) => t.name)), new Set(data.groups.map(groupKeyOf)));
    const crossings = lagWatch.update(data.groups, threshold());
    for (const g of crossings.above)
      toaster.show({
        level: 'critical',
        key: `lag:${groupKeyOf(g)}`,
        title: `Lag of ${g.name} on ${g.topic} is ${g.lag}`,
        body: `At or over the alert threshold of ${threshold()} messages (console.lagAlertThreshold).`,
      });
    for (const g of crossings.below) toaster.close(`lag:${groupKeyOf(g)}`);
    schedule();
  });
  health.subscribe(schedule);

  client.on('metrics_updated', (event) => {
    if (event.topic !== 'console') return;
    const metrics = event.data as ConsoleMetrics;
    rates.record(
      metrics,
      state.get().data.topics.map((t) => t.name),
    );
    if (metrics.part === 1) latest = { canary: metrics.canary, cost: metrics.cost, totals: metrics.totals };
    schedule();
  });
  client.on('topic_deleted', (event) => {
    const topic = event.data as ConsoleTopic | null;
    if (event.topic !== 'console' || topic === null) return;
    toaster.show({
      level: 'info',
      key: `deleted:${topic.name}`,
      title: `Topic ${topic.name} deleted`,
      body: `${topic.messages} messages and its consumer groups are gone.`,
    });
  });
  client.on('group_deleted', (event) => {
    const group = event.data as ConsoleGroup | null;
    if (event.topic !== 'console' || group === null) return;
    toaster.close(`lag:${groupKeyOf(group)}`);
    toaster.show({
      level: 'info',
      key: `deleted:${groupKeyOf(group)}`,
      title: `Consumer group ${group.name} on ${group.topic} deleted`,
    });
  });

  filterInput.addEventListener('input', schedule);
  byId<HTMLFormElement>('console-filter-form').addEventListener('submit', (event) => {
    event.preventDefault();
    render();
  });
  // Without console.nats.servers the console API is an unknown path: say so instead of waiting.
  fetch(new URL('api/v1/console/topics?limit=1', serverUrl()), { headers: authHeaders() }).then(
    (res) => {
      if (res.status !== 404) return;
      off = true;
      render();
    },
    () => undefined,
  );
  render();
  page.run();
}

start();
