import { ConfigError, loadConfig } from '../config/load.js';
import { envName, flagName, SETTINGS, type Setting } from '../config/schema.js';
import { formatOptions, parseCommandArgs, UsageError, type OptionSpec, type OptionSpecs } from './args.js';

const CONFIG_OPTION = {
  config: { type: 'string', short: 'c', value: 'livegate.yaml', description: 'YAML or JSON config file.' },
} as const satisfies OptionSpecs;

/** `--no-<flag>` for a boolean key: sets it to false (`--no-alerts-ingest`). */
const NEGATION = 'no-';

/**
 * The options of `livegate serve`, derived from the config sections: one flag per key
 * (`limits.maxPerIp` → `--limits-max-per-ip <value>`), a switch and its `--no-` form for a boolean
 * key, and the short alias a section declares (`-p` for `--port`).
 */
export function serveOptions(settings: readonly Setting[] = SETTINGS): OptionSpecs {
  const options: Record<string, OptionSpec> = { ...CONFIG_OPTION };
  const shorts = new Map<string, string>([
    ['c', 'config'],
    ['h', 'help'],
    ['v', 'version'],
  ]);
  for (const s of settings) {
    const name = flagName(s.key).slice(2);
    if (s.short !== undefined) {
      const taken = shorts.get(s.short);
      if (taken !== undefined)
        throw new TypeError(`config key ${s.key}: short flag -${s.short} is taken by --${taken}`);
      shorts.set(s.short, name);
    }
    const short = s.short === undefined ? {} : { short: s.short };
    if (s.type === 'bool') {
      options[name] = { type: 'boolean', ...short, description: `${s.doc} (sets ${s.key} to true)` };
      options[`${NEGATION}${name}`] = { type: 'boolean', description: `Sets ${s.key} to false.` };
    } else {
      const value = flagName(s.key.split('.').at(-1)!).slice(2);
      options[name] = { type: 'string', ...short, value, description: s.doc };
    }
  }
  return options;
}

const OPTIONS = serveOptions();

export const SERVE_HELP = `livegate serve — run the server

Usage: livegate serve [-c livegate.yaml] [-p port] [-H host] [-l level] [--<key> <value> …]

Options:
${formatOptions({
  ...CONFIG_OPTION,
  ...Object.fromEntries(Object.entries(OPTIONS).filter(([, o]) => o.short !== undefined && o.short !== 'c')),
})}

Every configuration key (file key · flag · env · default):
${SETTINGS.map((s) => `  ${s.key.padEnd(28)} ${`${s.short === undefined ? '' : `-${s.short}, `}${flagName(s.key)}`.padEnd(30)} ${envName(s.key).padEnd(36)} ${JSON.stringify(s.default)}\n      ${s.doc}${s.values ? ` Allowed: ${s.values.join(', ')}.` : ''}${s.type === 'bool' ? ` A switch: ${flagName(s.key)} sets true, --${NEGATION}${flagName(s.key).slice(2)} false.` : ''}`).join('\n')}

Later sources win: defaults < --config file < environment < flags.
SIGTERM/SIGINT shut down gracefully (clients get a shutdown notice) within shutdown.timeoutMs.`;

/**
 * What `livegate serve <argv>` hands the config loader: the `--config` file and the flags as
 * `--key value` pairs (a switch becomes `true`, its `--no-` form `false`). Throws {@link UsageError}.
 */
export function serveSources(argv: readonly string[]): { file?: string; flags: Record<string, string> } {
  const args = parseCommandArgs(argv, OPTIONS);
  const flags: Record<string, string> = {};
  for (const s of SETTINGS) {
    const flag = flagName(s.key);
    const name = flag.slice(2);
    if (s.type !== 'bool') {
      const value = args.string(name);
      if (value !== undefined) flags[flag] = value;
      continue;
    }
    const on = args.flag(name);
    const off = args.flag(`${NEGATION}${name}`);
    if (on && off) throw new UsageError(`${flag} and --${NEGATION}${name} contradict each other`);
    if (on || off) flags[flag] = String(on);
  }
  const file = args.string('config');
  return file === undefined ? { flags } : { file, flags };
}

/** `livegate serve`. Resolves when the server has stopped after a signal. */
export async function serve(argv: readonly string[]): Promise<void> {
  const { file, flags } = serveSources(argv);
  let config;
  try {
    config = loadConfig({ ...(file === undefined ? {} : { file }), env: process.env, flags });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  // Loaded here, not at the top: `--help`, `--version` and usage errors do not pay for the server's
  // modules (Fastify, ioredis, nats, …), which matters on a loaded machine and in scripts.
  const { startLivegate } = await import('../http/server.js');
  const server = await startLivegate({ config });
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      server.log.info({ signal }, 'signal received');
      const force = setTimeout(() => {
        server.log.error('graceful shutdown timed out; exiting');
        process.exit(1);
      }, config.shutdown.timeoutMs);
      force.unref();
      server.close().then(resolve, (err: unknown) => {
        server.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
