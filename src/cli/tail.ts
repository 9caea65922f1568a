import { CONTROL_NAMES } from '@livegate/protocol';
import { EventSource, type FetchLike } from 'eventsource';
import { formatOptions, parseCommandArgs, type OptionSpecs } from './args.js';
import { connection, CONNECTION_OPTIONS } from './common.js';
import { httpFailure, networkCause } from './fetch-error.js';

const OPTIONS = {
  topics: { type: 'string', short: 't', value: 'a,b', description: 'Topics (comma list; exact or prefix*).' },
  types: { type: 'string', short: 'T', value: 'alert_*', description: 'Event types (comma list).' },
  sources: { type: 'string', short: 's', value: 's', description: 'Event sources (comma list).' },
  match: {
    type: 'string',
    short: 'm',
    value: '\'{severity="critical"}\'',
    multiple: true,
    description: 'Label matchers, Prometheus syntax; several are OR-ed.',
  },
  since: { type: 'string', value: 'event id', description: 'Start after this event id (resume).' },
  raw: { type: 'boolean', short: 'r', description: 'Print the SSE bytes as received.' },
  ...CONNECTION_OPTIONS,
} as const satisfies OptionSpecs;

export const TAIL_HELP = `livegate tail — print a live stream for debugging

Usage: livegate tail [-t topics] [-T types] [-s sources] [-m matcher …] [--since id] [options]

Options:
${formatOptions(OPTIONS)}

Prints one JSON envelope per line (control events as {"control":name,...}). Reconnects and resumes
from the last id when the stream ends or the server cannot be reached, until interrupted. Exits 1
with the server's answer when it refuses the request (4xx other than 429), 2 on a usage error.

Example:
  livegate tail -t deploys -m '{env="prod"}'`;

/** Longest pause between reconnects after 5xx or 429 answers. */
const MAX_BACKOFF_MS = 30_000;

/**
 * `livegate tail`: reads the SSE endpoint with the `eventsource` client, which parses the stream,
 * keeps the last id and reconnects with `Last-Event-ID` after network faults. An HTTP error ends
 * an EventSource for good; tail reopens it after 5xx and 429 (with backoff) and stops on other 4xx.
 */
export async function tail(argv: readonly string[]): Promise<void> {
  const args = parseCommandArgs(argv, OPTIONS);
  const { base, token } = connection(args);
  const raw = args.flag('raw');
  const params = new URLSearchParams();
  for (const name of ['topics', 'types', 'sources']) {
    const value = args.string(name);
    if (value !== undefined) params.set(name, value);
  }
  for (const m of args.strings('match')) params.append('match', m);
  let lastId = args.string('since');
  const url = (): string => {
    const p = new URLSearchParams(params);
    if (lastId !== undefined) p.set('lastEventId', lastId);
    return `${base}/api/v2/events/stream${p.size > 0 ? `?${p}` : ''}`;
  };
  const shown = `${base}/api/v2/events/stream`;

  await new Promise<void>((resolve, reject) => {
    let source: EventSource | undefined;
    let failures = 0;
    let retry: NodeJS.Timeout | undefined;
    // What the last request got when it did not become a stream: the answer, or the network cause.
    let refused: { status: number; body: string } | undefined;
    let cause: string | undefined;

    const fetchStream: FetchLike = async (input, init) => {
      refused = undefined;
      cause = undefined;
      let response: Response;
      try {
        response = await fetch(input, {
          ...init,
          headers: { ...init.headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        });
      } catch (err) {
        cause = networkCause(err);
        throw err;
      }
      if (response.status !== 200) {
        refused = { status: response.status, body: await response.text().catch(() => '') };
        return new Response(null, { status: response.status, headers: response.headers });
      }
      failures = 0;
      if (!raw || response.body === null) return response;
      const [mine, theirs] = response.body.tee();
      void (async () => {
        for await (const chunk of mine as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
      })().catch(() => {});
      return new Response(theirs, { status: response.status, headers: response.headers });
    };

    const stop = (err?: Error): void => {
      clearTimeout(retry);
      source?.close();
      process.off('SIGINT', onSigint);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onSigint = (): void => stop();
    process.once('SIGINT', onSigint);

    const open = (): void => {
      const es = new EventSource(url(), { fetch: fetchStream });
      source = es;
      const remember = (e: MessageEvent): void => {
        if (e.lastEventId !== '') lastId = e.lastEventId;
      };
      es.onmessage = (e) => {
        remember(e);
        if (!raw) process.stdout.write(`${String(e.data)}\n`);
      };
      for (const name of CONTROL_NAMES) {
        es.addEventListener(name, (e) => {
          // The client's own `error` events (a failed connection) are not MessageEvents with data.
          if (!(e instanceof MessageEvent) || typeof e.data !== 'string') return;
          remember(e);
          if (!raw) process.stdout.write(`${JSON.stringify({ control: name, ...(JSON.parse(e.data) as object) })}\n`);
        });
      }
      es.onerror = () => {
        if (source !== es) return;
        if (refused !== undefined) {
          const { status, body } = refused;
          const answer = httpFailure(status, body);
          if (status >= 400 && status < 500 && status !== 429) {
            stop(new Error(`GET ${shown} was refused: ${answer}; not retrying`));
            return;
          }
          es.close();
          const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures++, 6));
          process.stderr.write(`tail: GET ${shown}: ${answer}; retrying in ${Math.ceil(delay / 1000)} s\n`);
          retry = setTimeout(open, delay);
          return;
        }
        // The client reconnects by itself (with Last-Event-ID) after a network fault or the end of the stream.
        process.stderr.write(
          cause === undefined
            ? `tail: the stream from ${shown} ended; reconnecting\n`
            : `tail: cannot reach ${shown}: ${cause}; reconnecting\n`,
        );
      };
    };
    open();
  });
}
