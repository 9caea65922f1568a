import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ConfigSources } from '../../../src/config/load.js';
import { serveSources } from '../../../src/cli/serve.js';
import { parseAlertmanagerTargets } from '../../../src/config/alertmanagers.js';
import { makeTempDir, type TempDir } from '../../harness/temp-dir.js';

let dir: TempDir;
beforeAll(async () => {
  dir = await makeTempDir('alert-config');
});
afterAll(async () => {
  await dir.remove();
});

function configError(sources: ConfigSources): ConfigError {
  try {
    loadConfig(sources);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('loadConfig did not throw');
}

describe('alert settings', () => {
  it('defaults to the ingest on, no Alertmanagers, a 5 minute resolve timeout and no demo', () => {
    expect(loadConfig()).toMatchObject({
      alertmanagers: [],
      alerts: { ingest: true, resolveTimeoutMs: 300_000 },
      demo: false,
    });
  });

  it('reads Alertmanagers from a YAML file with defaults applied', async () => {
    const file = join(dir.path, 'livegate.yaml');
    await writeFile(
      file,
      `alertmanagers:
  - name: prod
    url: https://am.example.com:9093/
    auth: { bearerTokenFile: /run/secrets/am-token }
    tls: { caFile: /etc/livegate/am-ca.pem }
  - name: dr
    url: http://am-dr:9093/alertmanager
    intervalMs: 15000
    auth: { username: livegate, password: s3cret }
alerts:
  resolveTimeoutMs: 60000
`,
    );
    expect(loadConfig({ file })).toMatchObject({
      alertmanagers: [
        {
          name: 'prod',
          url: 'https://am.example.com:9093',
          intervalMs: 5000,
          timeoutMs: 5000,
          auth: { bearerTokenFile: '/run/secrets/am-token' },
          tls: { caFile: '/etc/livegate/am-ca.pem' },
        },
        {
          name: 'dr',
          url: 'http://am-dr:9093/alertmanager',
          intervalMs: 15000,
          timeoutMs: 10000,
          auth: { username: 'livegate', password: 's3cret' },
        },
      ],
      alerts: { ingest: true, resolveTimeoutMs: 60_000 },
    });
  });

  it('reads the name=url text form and JSON text from env and flags', () => {
    expect(
      loadConfig({ env: { LIVEGATE_ALERTMANAGERS: 'prod=http://a:9093, dr=http://b:9093' } }).alertmanagers,
    ).toEqual([
      { name: 'prod', url: 'http://a:9093', intervalMs: 5000, timeoutMs: 5000 },
      { name: 'dr', url: 'http://b:9093', intervalMs: 5000, timeoutMs: 5000 },
    ]);
    expect(
      loadConfig({ flags: { '--alertmanagers': '[{"name":"x","url":"http://x:9093","intervalMs":1000}]' } })
        .alertmanagers,
    ).toEqual([{ name: 'x', url: 'http://x:9093', intervalMs: 1000, timeoutMs: 1000 }]);
    expect(loadConfig({ env: { LIVEGATE_ALERTS_INGEST: 'false', LIVEGATE_DEMO: 'yes' } })).toMatchObject({
      alerts: { ingest: false },
      demo: true,
    });
  });

  it('turns the demo on with a bare --demo flag, and the ingest off with --no-alerts-ingest', () => {
    const { flags } = serveSources(['--demo', '-p', '9000', '--no-alerts-ingest']);
    expect(loadConfig({ flags })).toMatchObject({ demo: true, port: 9000, alerts: { ingest: false } });
  });

  it.each([
    [
      { overrides: { alertmanagers: [{ name: 'a', url: 'http://a:9093' }, { name: 'b' }] } },
      'config alertmanagers[1].url (overrides): must be a string',
    ],
    [
      { overrides: { alertmanagers: [{ name: 'a', url: 'ftp://a' }] } },
      'config alertmanagers[0].url (overrides): must be an http:// or https:// URL (got ftp:)',
    ],
    [
      { overrides: { alertmanagers: [{ name: 'a', url: 'http://u:p@a:9093' }] } },
      'config alertmanagers[0].url (overrides): must not contain credentials; use auth.username and auth.password',
    ],
    [
      { overrides: { alertmanagers: [{ name: 'a b', url: 'http://a:9093' }] } },
      /^config alertmanagers\[0\]\.name \(overrides\): "a b" is not a valid name/,
    ],
    [
      { overrides: { alertmanagers: [{ name: 'a', url: 'http://a:9093', intervalMs: 100 }] } },
      'config alertmanagers[0].intervalMs (overrides): 100 is out of range; allowed: 500 to 3600000',
    ],
    [
      { overrides: { alertmanagers: [{ name: 'a', url: 'http://a:9093', intervalMS: 1000 }] as never } },
      'config alertmanagers[0].intervalMS (overrides): unknown field; allowed: name, url, intervalMs, timeoutMs, externalUrl, auth, tls',
    ],
    [
      { overrides: { alertmanagers: [{ name: 'a', url: 'http://a:9093', auth: { username: 'u' } }] } },
      'config alertmanagers[0].auth.password (overrides): is required with username (or give passwordFile)',
    ],
    [
      {
        overrides: {
          alertmanagers: [
            { name: 'a', url: 'http://a:9093', auth: { bearerToken: 't', username: 'u', password: 'p' } },
          ],
        },
      },
      'config alertmanagers[0].auth (overrides): set either a bearer token or basic auth (username and password), not both',
    ],
    [
      { overrides: { alertmanagers: [{ name: 'a', url: 'http://a:9093', tls: { insecureSkipVerify: true } }] } },
      'config alertmanagers[0].tls (overrides): applies only to an https:// url',
    ],
    [
      {
        overrides: {
          alertmanagers: [{ name: 'a', url: 'https://a:9093', tls: { insecureSkipVerify: 'yes' } }] as never,
        },
      },
      'config alertmanagers[0].tls.insecureSkipVerify (overrides): must be a boolean',
    ],
    [
      {
        overrides: {
          alertmanagers: [
            { name: 'a', url: 'http://a:9093' },
            { name: 'a', url: 'http://b:9093' },
          ],
        },
      },
      'config alertmanagers[1].name (overrides): "a" is used twice; names must be unique',
    ],
    [
      { env: { LIVEGATE_ALERTMANAGERS: 'prod=http://a:9093,oops' } },
      'config alertmanagers[1] (env LIVEGATE_ALERTMANAGERS): "oops" is not name=url; write e.g. prod=http://alertmanager:9093',
    ],
    [
      { flags: { '--alertmanagers': '[{"name":' } },
      /^config alertmanagers \(flag --alertmanagers\): is not valid JSON/,
    ],
    [
      { flags: { '--alerts-resolve-timeout-ms': '10' } },
      'config alerts.resolveTimeoutMs (flag --alerts-resolve-timeout-ms): 10 is out of range; allowed: 1000 to 86400000',
    ],
  ])('refuses %j naming the field', (sources, message) => {
    expect(configError(sources as ConfigSources).message).toMatch(message);
  });

  it('reports the first problem as a field path from the given root', () => {
    expect(parseAlertmanagerTargets([{ name: 'x' }], 'am')).toEqual({
      ok: false,
      error: { field: 'am[0].url', message: 'must be a string' },
    });
    expect(parseAlertmanagerTargets('')).toEqual({ ok: true, value: [] });
  });

  it('refuses more than 64 Alertmanagers with the bound in the message', () => {
    const many = Array.from({ length: 65 }, (_, i) => ({ name: `am${i}`, url: 'http://am:9093' }));
    expect(parseAlertmanagerTargets(many)).toEqual({
      ok: false,
      error: { field: 'alertmanagers', message: 'must not hold more than 64 items (got 65)' },
    });
    expect(parseAlertmanagerTargets({ name: 'a' })).toEqual({
      ok: false,
      error: {
        field: 'alertmanagers',
        message: 'must be a list of {name, url, …} entries (or name=url,… in env and flags)',
      },
    });
  });
});
