import { readFileSync } from 'node:fs';
import { formatOptions, parseCommandArgs, UsageError, type OptionSpecs } from './args.js';
import { connection, CONNECTION_OPTIONS } from './common.js';
import { httpFailure, unreachable } from './fetch-error.js';

const OPTIONS = {
  topic: { type: 'string', short: 't', value: 'topic', description: 'Topic of the event (required unless --file).' },
  type: { type: 'string', short: 'T', value: 'type', description: 'Type of the event (required unless --file).' },
  source: {
    type: 'string',
    short: 's',
    value: 'source',
    description: 'Source of the event. The server defaults it to "api".',
  },
  label: { type: 'string', short: 'l', value: 'name=value', multiple: true, description: 'A label.' },
  data: {
    type: 'string',
    short: 'd',
    value: 'json',
    description: 'JSON payload: inline, @file.json, or - for stdin. Defaults to null.',
  },
  file: {
    type: 'string',
    short: 'f',
    value: 'events.json',
    description: 'Post this file as is: one draft or an array, as POST /api/v2/events takes.',
  },
  ...CONNECTION_OPTIONS,
} as const satisfies OptionSpecs;

export const PUBLISH_HELP = `livegate publish — publish one event through the HTTP API

Usage: livegate publish -t <topic> -T <type> [-l name=value …] [-d <json>|@file|-] [options]
       livegate publish -f events.json [options]

Options:
${formatOptions(OPTIONS)}

Prints the assigned ids, one per line. Exits 1 when the server cannot be reached or refuses the
event (the message names the URL and the cause), 2 on a usage error.

Example:
  livegate publish -t deploys -T deploy_finished -l service=api -l env=prod -d '{"version":"1.4.3"}'`;

/** `livegate publish`. */
export async function publish(argv: readonly string[]): Promise<void> {
  const args = parseCommandArgs(argv, OPTIONS);
  const { base, token } = connection(args);
  let body: string;
  const file = args.string('file');
  if (file !== undefined) {
    for (const name of ['topic', 'type', 'source', 'label', 'data'])
      if (args.given().includes(name)) throw new UsageError(`--${name} cannot be combined with --file`);
    body = readFileSync(file, 'utf8');
  } else {
    const topic = args.string('topic');
    const type = args.string('type');
    if (topic === undefined || type === undefined)
      throw new UsageError('--topic (-t) and --type (-T) are required (or --file)');
    const labels: Record<string, string> = {};
    for (const pair of args.strings('label')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--label takes name=value, got "${pair}"`);
      labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    let data: unknown = null;
    const rawData = args.string('data');
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
    const source = args.string('source');
    body = JSON.stringify({ topic, type, ...(source === undefined ? {} : { source }), labels, data });
  }
  const url = `${base}/api/v2/events`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body,
    });
    text = await response.text();
  } catch (err) {
    throw unreachable(url, err);
  }
  if (response.status !== 202) throw new Error(`POST ${url} failed: ${httpFailure(response.status, text)}`);
  for (const id of (JSON.parse(text) as { ids: string[] }).ids) process.stdout.write(`${id}\n`);
}
