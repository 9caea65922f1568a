import { readFileSync } from 'node:fs';
import { UsageError, type ParsedArgs } from './args.js';

export const PUBLISH_HELP = `livegate publish — publish one event through the HTTP API

Usage: livegate publish --topic <topic> --type <type> [--source <source>] [--label k=v …]
                        [--data <json> | --data @file.json | --data -] [--url http://localhost:8080] [--token <t>]
       livegate publish --file events.json     (one draft or an array, as POST /api/v2/events takes)

Prints the assigned ids, one per line. Env: LIVEGATE_URL, LIVEGATE_TOKEN.`;

/** `livegate publish`. */
export async function publish(args: ParsedArgs): Promise<void> {
  const opt = (name: string): string | undefined => args.options.get(`--${name}`)?.at(-1);
  const known = new Set(['--topic', '--type', '--source', '--label', '--data', '--url', '--token', '--file']);
  for (const name of args.options.keys()) if (!known.has(name)) throw new UsageError(`unknown option ${name}`);
  const url = (opt('url') ?? process.env.LIVEGATE_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
  const token = opt('token') ?? process.env.LIVEGATE_TOKEN;
  let body: string;
  const file = opt('file');
  if (file !== undefined) {
    body = readFileSync(file, 'utf8');
  } else {
    const topic = opt('topic');
    const type = opt('type');
    if (topic === undefined || type === undefined) throw new UsageError('--topic and --type are required (or --file)');
    const labels: Record<string, string> = {};
    for (const pair of args.options.get('--label') ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--label takes name=value, got "${pair}"`);
      labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    let data: unknown = null;
    const rawData = opt('data');
    if (rawData !== undefined) {
      const text =
        rawData === '-'
          ? readFileSync(0, 'utf8')
          : rawData.startsWith('@')
            ? readFileSync(rawData.slice(1), 'utf8')
            : rawData;
      try {
        data = JSON.parse(text);
      } catch {
        throw new UsageError('--data must be JSON (or @file / - for stdin)');
      }
    }
    const source = opt('source');
    body = JSON.stringify({ topic, type, ...(source === undefined ? {} : { source }), labels, data });
  }
  const response = await fetch(`${url}/api/v2/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body,
  });
  const text = await response.text();
  if (response.status !== 202) {
    throw new Error(`publish failed: HTTP ${response.status} ${text}`);
  }
  for (const id of (JSON.parse(text) as { ids: string[] }).ids) process.stdout.write(`${id}\n`);
}
