import { defineComponent, h } from 'vue';
import { useLivegate, useLivegateEvent, useLivegateStore } from '@livegate/client/vue';

/** The same panel in Vue; in a single-file component the `setup` body is identical. */
export const AlertPanel = defineComponent({
  setup() {
    const { client, state, transport } = useLivegate({
      url: 'https://livegate.example.com',
      topics: ['alerts', 'health'],
      token: () => localStorage.getItem('livegate-token'),
    });
    const alerts = useLivegateStore('alerts', client);
    useLivegateEvent('alert_resolved', (event) => console.info('resolved', event.data.fingerprint), client);

    return () =>
      h('section', [
        h('header', state.value === 'open' ? `live via ${transport.value}` : state.value),
        alerts.value.status === 'pending'
          ? h('p', 'Loading…')
          : h(
              'ul',
              { class: { stale: alerts.value.status === 'stale' } },
              (alerts.value.data?.alerts ?? []).map((alert) =>
                h('li', { key: alert.fingerprint }, `${alert.labels.alertname} — ${alert.status.state}`),
              ),
            ),
      ]);
  },
});
