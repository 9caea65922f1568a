import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, knownFlags, loadConfig, type ConfigSources } from '../../../src/config/load.js';
import { SETTINGS, envName, flagName } from '../../../src/config/schema.js';
import { makeTempDir, type TempDir } from '../../harness/temp-dir.js';

let dir: TempDir;
let files = 0;

beforeAll(async () => {
  dir = await makeTempDir('config');
});
afterAll(async () => {
  await dir.remove();
});

/** Writes a config file into the temp dir and returns its path. */
async function configFile(text: string, ext = 'yaml'): Promise<string> {
  const path = join(dir.path, `livegate-${++files}.${ext}`);
  await writeFile(path, text);
  return path;
}

/** Runs `loadConfig` expecting a ConfigError; returns it. */
function configError(sources: ConfigSources): ConfigError {
  try {
    loadConfig(sources);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig(${JSON.stringify(sources)}) did not throw`);
}

function valueAt(config: object, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
}

describe('loadConfig defaults', () => {
  it('gives every key its schema default when no source is given', () => {
    const config = loadConfig();
    for (const setting of SETTINGS) expect(valueAt(config, setting.key), setting.key).toEqual(setting.default);
  });

  it('has the documented defaults for the main keys', () => {
    expect(loadConfig()).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      transports: ['sse', 'ws', 'poll'],
      limits: { maxConnections: 10_000, maxPerIp: 10, maxSubscriptions: 32, retryAfterSeconds: 5 },
      trustedProxies: [],
      cors: { origins: [] },
      ws: { pingIntervalMs: 54_000, idleTimeoutMs: 60_000, maxPayloadBytes: 512 * 1024 },
      publish: { maxBodyBytes: 512 * 1024, maxEvents: 1000 },
      auth: { adminToken: '' },
      log: { level: 'info' },
    });
  });

  it('does not read process.env unless it is passed', () => {
    const saved = process.env.LIVEGATE_LIMITS_MAX_PER_IP;
    process.env.LIVEGATE_LIMITS_MAX_PER_IP = '7';
    try {
      expect(loadConfig().limits.maxPerIp).toBe(10);
      expect(loadConfig({ env: process.env }).limits.maxPerIp).toBe(7);
    } finally {
      if (saved === undefined) delete process.env.LIVEGATE_LIMITS_MAX_PER_IP;
      else process.env.LIVEGATE_LIMITS_MAX_PER_IP = saved;
    }
  });

  it('returns a fresh object each time', () => {
    const a = loadConfig();
    a.transports.push('sse');
    a.limits.maxPerIp = 1;
    expect(loadConfig().transports).toEqual(['sse', 'ws', 'poll']);
    expect(loadConfig().limits.maxPerIp).toBe(10);
  });
});

describe('loadConfig layering: defaults < file < env < flags < overrides', () => {
  let file: string;
  beforeAll(async () => {
    file = await configFile('port: 1000\nlimits:\n  maxPerIp: 2\n  maxConnections: 50\nlog:\n  level: warn\n');
  });
  const env = { LIVEGATE_LIMITS_MAX_PER_IP: '3' };
  const flags = { '--limits-max-per-ip': '4' };
  const overrides = { limits: { maxPerIp: 5 } };

  it('reads a YAML file', () => {
    const config = loadConfig({ file });
    expect(config.limits).toMatchObject({ maxPerIp: 2, maxConnections: 50, maxSubscriptions: 32 });
    expect(config.port).toBe(1000);
    expect(config.log.level).toBe('warn');
  });

  it('lets env win over the file, keeping the file keys env does not set', () => {
    const config = loadConfig({ file, env });
    expect(config.limits.maxPerIp).toBe(3);
    expect(config.limits.maxConnections).toBe(50);
    expect(config.port).toBe(1000);
  });

  it('lets flags win over env', () => {
    expect(loadConfig({ file, env, flags }).limits.maxPerIp).toBe(4);
  });

  it('lets overrides win over flags', () => {
    const config = loadConfig({ file, env, flags, overrides });
    expect(config.limits.maxPerIp).toBe(5);
    expect(config.limits.maxConnections).toBe(50);
  });

  it('accepts the PORT alias, and LIVEGATE_PORT over it', () => {
    expect(loadConfig({ file, env: { PORT: '9000' } }).port).toBe(9000);
    expect(loadConfig({ env: { PORT: '9000', LIVEGATE_PORT: '9001' } }).port).toBe(9001);
    expect(loadConfig({ env: { LOG_LEVEL: 'debug' } }).log.level).toBe('debug');
  });

  it('ignores empty env values', () => {
    expect(loadConfig({ file, env: { LIVEGATE_LIMITS_MAX_PER_IP: '', PORT: '' } })).toMatchObject({
      port: 1000,
      limits: { maxPerIp: 2 },
    });
  });

  it('splits lists in env and flags on commas, trimming and dropping duplicates', () => {
    expect(loadConfig({ env: { LIVEGATE_TRANSPORTS: ' sse , ws,sse' } }).transports).toEqual(['sse', 'ws']);
    expect(loadConfig({ env: { LIVEGATE_TRUSTED_PROXIES: '10.0.0.0/8, ::1' } }).trustedProxies).toEqual([
      '10.0.0.0/8',
      '::1',
    ]);
    expect(loadConfig({ flags: { '--cors-origins': 'https://a.example,https://b.example' } }).cors.origins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });

  it('reads a JSON file', async () => {
    const json = await configFile(JSON.stringify({ limits: { maxPerIp: 6 }, transports: ['ws'] }), 'json');
    expect(loadConfig({ file: json })).toMatchObject({ limits: { maxPerIp: 6 }, transports: ['ws'] });
  });

  it('treats an empty file as no settings', async () => {
    expect(loadConfig({ file: await configFile('') })).toEqual(loadConfig());
  });

  it('derives env and flag names from keys', () => {
    expect(envName('limits.maxPerIp')).toBe('LIVEGATE_LIMITS_MAX_PER_IP');
    expect(flagName('limits.maxPerIp')).toBe('--limits-max-per-ip');
    expect(flagName('ws.idleTimeoutMs')).toBe('--ws-idle-timeout-ms');
    expect(knownFlags().has('--limits-max-per-ip')).toBe(true);
    expect(knownFlags().size).toBe(SETTINGS.length);
  });
});

describe('loadConfig refuses bad values with a ConfigError naming the key and what is allowed', () => {
  it('refuses an int below its range, from a flag', () => {
    const err = configError({ flags: { '--limits-max-per-ip': '0' } });
    expect(err.message).toBe(
      'config limits.maxPerIp (flag --limits-max-per-ip): 0 is out of range; allowed: 1 to 10000000',
    );
  });

  it('refuses an int above its range, from a file', async () => {
    const err = configError({ file: await configFile('port: 70000\n') });
    expect(err.message).toBe('config port (file): 70000 is out of range; allowed: 0 to 65535');
  });

  it('refuses an out-of-range override', () => {
    expect(configError({ overrides: { limits: { maxSubscriptions: 10_001 } } }).message).toBe(
      'config limits.maxSubscriptions (overrides): 10001 is out of range; allowed: 1 to 10000',
    );
  });

  it('refuses a history-read budget of 0 (no deep resume could ever be served) or beyond its range', () => {
    expect(configError({ flags: { '--replay-max-history-reads': '0' } }).message).toBe(
      'config replay.maxHistoryReads (flag --replay-max-history-reads): 0 is out of range; allowed: 1 to 10000',
    );
    expect(configError({ overrides: { replay: { maxHistoryReads: 10_001 } } }).message).toBe(
      'config replay.maxHistoryReads (overrides): 10001 is out of range; allowed: 1 to 10000',
    );
  });

  it('refuses a value that is not a number, from env', () => {
    const err = configError({ env: { LIVEGATE_LIMITS_MAX_PER_IP: 'lots' } });
    expect(err.message).toBe(
      'config limits.maxPerIp (env LIVEGATE_LIMITS_MAX_PER_IP): "lots" is not a number; allowed: 1 to 10000000',
    );
  });

  it.each(['0x10', '1e3', ' ', '5 6', '-'])('refuses the env value %j for PORT as not a plain number', (raw) => {
    expect(configError({ env: { PORT: raw } }).message).toMatch(
      /^config port \(env PORT\): ".*" is not a number; allowed: 0 to 65535$/,
    );
  });

  it('refuses a fraction for an int', () => {
    expect(configError({ env: { LIVEGATE_LIMITS_MAX_PER_IP: '2.5' } }).message).toBe(
      'config limits.maxPerIp (env LIVEGATE_LIMITS_MAX_PER_IP): 2.5 is not an integer; allowed: 1 to 10000000',
    );
  });

  it('refuses a quoted number in a file', async () => {
    expect(configError({ file: await configFile('limits:\n  maxPerIp: "3"\n') }).message).toBe(
      'config limits.maxPerIp (file): "3" is not an integer; allowed: 1 to 10000000',
    );
  });

  it('refuses a bad log.level, listing the levels', () => {
    const err = configError({ env: { LIVEGATE_LOG_LEVEL: 'loud' } });
    expect(err.key).toBe('log.level (env LIVEGATE_LOG_LEVEL)');
    expect(err.message).toBe(
      'config log.level (env LIVEGATE_LOG_LEVEL): "loud" is not allowed; allowed: fatal, error, warn, info, debug, trace, silent',
    );
  });

  it('refuses an unknown top-level key in a file, listing every known key', async () => {
    const err = configError({ file: await configFile('prot: 80\n') });
    expect(err.key).toBe('prot');
    expect(err.message).toBe(`config prot: unknown key (file); known keys: ${SETTINGS.map((s) => s.key).join(', ')}`);
  });

  it('refuses an unknown nested key, listing the keys of its section', async () => {
    const err = configError({ file: await configFile('limits:\n  maxPerIP: 3\n') });
    expect(err.message).toBe(
      'config limits.maxPerIP: unknown key (file); known keys under limits: limits.maxConnections, limits.maxPerIp, limits.maxSubscriptions, limits.connectsPerSecond, limits.publishesPerSecond, limits.retryAfterSeconds',
    );
  });

  it('refuses an unknown key in overrides', () => {
    expect(configError({ overrides: { nope: 1 } as never }).message).toMatch(
      /^config nope: unknown key \(overrides\); known keys: host, port,/,
    );
  });

  it('refuses an unknown flag, naming it', () => {
    const err = configError({ flags: { '--max-per-ip': '3' } });
    expect(err.key).toBe('--max-per-ip');
    expect(err.message).toBe('config --max-per-ip: unknown flag; see --help for the list');
  });

  it('refuses an unknown transport, listing the transports', () => {
    expect(configError({ env: { LIVEGATE_TRANSPORTS: 'sse,grpc' } }).message).toBe(
      'config transports (env LIVEGATE_TRANSPORTS): "grpc" is not allowed; allowed: sse, ws, poll',
    );
  });

  it('refuses a transports value that is not a list', async () => {
    expect(configError({ file: await configFile('transports: sse\n') }).message).toBe(
      'config transports (file): must be a list of strings (comma-separated in env and flags)',
    );
  });

  it('refuses an empty transports list', () => {
    for (const sources of [
      { overrides: { transports: [] } },
      { env: { LIVEGATE_TRANSPORTS: ',' } },
    ] as ConfigSources[]) {
      expect(configError(sources).message).toBe(
        'config transports: at least one transport must be enabled; allowed: sse, ws, poll',
      );
    }
  });

  it.each([
    'not-an-ip',
    '10.0.0.0/33',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    '::1/129',
    '10.0.0.256',
    'localhost',
  ])('refuses the trusted proxy %j', (entry) => {
    const err = configError({ overrides: { trustedProxies: ['127.0.0.1', entry] } });
    expect(err.key).toBe('trustedProxies');
    expect(err.message).toBe(
      `config trustedProxies: ${JSON.stringify(entry)} is not an IP address or CIDR (e.g. 10.0.0.0/8)`,
    );
  });

  it('accepts trusted proxies as IPv4, IPv6 and CIDRs of both', () => {
    const proxies = ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '192.168.1.0/24', '0.0.0.0/0'];
    expect(loadConfig({ overrides: { trustedProxies: proxies } }).trustedProxies).toEqual(proxies);
  });

  it('refuses ws.idleTimeoutMs not above ws.pingIntervalMs', () => {
    const err = configError({ overrides: { ws: { pingIntervalMs: 1000, idleTimeoutMs: 1000 } } });
    expect(err.key).toBe('ws.idleTimeoutMs');
    expect(err.message).toBe(
      'config ws.idleTimeoutMs: must be greater than ws.pingIntervalMs (1000) so a pong can arrive',
    );
    expect(loadConfig({ overrides: { ws: { pingIntervalMs: 1000, idleTimeoutMs: 1001 } } }).ws.idleTimeoutMs).toBe(
      1001,
    );
  });

  it('refuses a default poll timeout above the maximum', () => {
    expect(configError({ flags: { '--poll-default-timeout-seconds': '61' } }).message).toBe(
      'config poll.defaultTimeoutSeconds: 61 exceeds poll.maxTimeoutSeconds (60)',
    );
  });

  it('refuses a file that does not exist, naming the path', () => {
    const path = join(dir.path, 'missing.yaml');
    const err = configError({ file: path });
    expect(err.key).toBe('--config');
    expect(err.message).toMatch(
      new RegExp(`^config --config: cannot read ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`),
    );
  });

  it('refuses a directory as the file', async () => {
    const sub = join(dir.path, 'a-directory');
    await mkdir(sub);
    expect(configError({ file: sub }).message).toMatch(/^config --config: cannot read .*a-directory: EISDIR/);
  });

  it('refuses invalid YAML, naming the file', async () => {
    const path = await configFile('limits: [1, 2\n');
    expect(configError({ file: path }).message).toMatch(
      new RegExp(`^config --config: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid YAML/JSON: `),
    );
  });

  it('refuses a file that holds a list instead of a mapping', async () => {
    const path = await configFile('- port: 1\n');
    expect(configError({ file: path }).message).toBe(`config --config: ${path} must hold a mapping of keys`);
  });

  it('stops at the first bad layer even when a later layer would fix the value', () => {
    expect(configError({ env: { LIVEGATE_LIMITS_MAX_PER_IP: '0' }, overrides: { limits: { maxPerIp: 3 } } }).key).toBe(
      'limits.maxPerIp (env LIVEGATE_LIMITS_MAX_PER_IP)',
    );
  });
});

describe('the console section', () => {
  it('is off by default and takes its NATS servers from --console-nats-servers', () => {
    expect(loadConfig({}).console.nats.servers).toEqual([]);
    const config = loadConfig({ flags: { '--console-nats-servers': 'nats://127.0.0.1:4222,nats://127.0.0.1:4223' } });
    expect(config.console.nats.servers).toEqual(['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223']);
    expect(config.console).toMatchObject({ metricsIntervalMs: 2000, reconcileMs: 30_000, canary: false });
  });

  it('refuses two ways to authenticate and a malformed NKey seed, naming the key', () => {
    const both = configError({ overrides: { console: { nats: { servers: ['nats://a:1'], token: 't', user: 'u' } } } });
    expect(both.message).toMatch(/console\.nats\.token/);
    const seed = configError({ overrides: { console: { nats: { servers: ['nats://a:1'], nkeySeed: 'SUnope' } } } });
    expect(seed.message).toMatch(/console\.nats\.nkeySeed.*58 base32/);
    const scheme = configError({ flags: { '--console-nats-servers': 'http://a:1' } });
    expect(scheme.message).toMatch(/console\.nats\.servers/);
  });
});
