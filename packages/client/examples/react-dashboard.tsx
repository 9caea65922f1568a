import { LivegateProvider, useLivegate, useLivegateEvent, useLivegateStore } from '@livegate/client/react';

/** One connection for the whole dashboard, shared through the provider. */
export function App() {
  const live = useLivegate({
    url: 'https://livegate.example.com',
    topics: ['alerts', 'health'],
    match: ['{severity=~"critical|warning"}'],
    token: () => localStorage.getItem('livegate-token'),
  });
  return (
    <LivegateProvider client={live.client}>
      <header>{live.state === 'open' ? `live via ${live.transport}` : live.state}</header>
      <AlertList />
    </LivegateProvider>
  );
}

function AlertList() {
  const alerts = useLivegateStore('alerts');
  useLivegateEvent('alert_firing', (event) => {
    if (event.data.labels.severity === 'critical') document.title = `🔥 ${event.data.labels.alertname}`;
  });
  if (alerts.status === 'pending') return <p>Loading…</p>;
  return (
    <ul className={alerts.status === 'stale' ? 'stale' : undefined}>
      {alerts.data?.alerts.map((alert) => (
        <li key={alert.fingerprint}>
          {alert.labels.alertname} — {alert.status.state}
        </li>
      ))}
    </ul>
  );
}
