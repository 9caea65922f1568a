import { ConfigError, loadConfig } from '../config/load.js';
import { envName, flagName, SETTINGS } from '../config/schema.js';
import { startLivegate } from '../http/server.js';
import { UsageError, type ParsedArgs } from './args.js';

export const SERVE_HELP = `livegate serve — run the server

Usage: livegate serve [--config livegate.yaml] [--<key> <value> …]

Options (file key · flag · env · default):
${SETTINGS.map((s) => `  ${s.key.padEnd(28)} ${flagName(s.key).padEnd(30)} ${envName(s.key).padEnd(36)} ${JSON.stringify(s.default)}\n      ${s.doc}${s.values ? ` Allowed: ${s.values.join(', ')}.` : ''}`).join('\n')}

Later sources win: defaults < --config file < environment < flags.
SIGTERM/SIGINT shut down gracefully (clients get a shutdown notice) within shutdown.timeoutMs.`;

/** `livegate serve`. Resolves when the server has stopped after a signal. */
export async function serve(args: ParsedArgs): Promise<void> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const flags: Record<string, string> = {};
  let file: string | undefined;
  for (const [name, values] of args.options) {
    if (name === '--config') file = values[values.length - 1];
    else flags[name] = values[values.length - 1]!;
  }
  let config;
  try {
    config = loadConfig({ ...(file === undefined ? {} : { file }), env: process.env, flags });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
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
