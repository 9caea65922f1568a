import { UsageError, type ParsedArgs } from './args.js';

export const TAIL_HELP = `livegate tail — print a live stream for debugging

Usage: livegate tail [--url http://localhost:8080] [--topics a,b] [--types alert_*] [--sources s]
                     [--match '{severity="critical"}' …] [--since <event id>] [--token <t>] [--raw]

Prints one JSON envelope per line (control events as {"control":name,...}); --raw prints the SSE
bytes as received. Reconnects and resumes from the last id until interrupted.`;

/** `livegate tail`: SSE over fetch, with resume on reconnect. */
export async function tail(args: ParsedArgs): Promise<void> {
  const opt = (name: string): string | undefined => args.options.get(`--${name}`)?.at(-1);
  const known = new Set(['--url', '--topics', '--types', '--sources', '--match', '--since', '--token', '--raw']);
  for (const name of args.options.keys()) if (!known.has(name)) throw new UsageError(`unknown option ${name}`);
  const base = (opt('url') ?? process.env.LIVEGATE_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
  const token = opt('token') ?? process.env.LIVEGATE_TOKEN;
  const raw = opt('raw') === 'true';
  let lastId = opt('since');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  for (let attempt = 0; !controller.signal.aborted; attempt++) {
    const params = new URLSearchParams();
    for (const name of ['topics', 'types', 'sources']) {
      const value = opt(name);
      if (value !== undefined) params.set(name, value);
    }
    for (const m of args.options.get('--match') ?? []) params.append('match', m);
    if (lastId !== undefined) params.set('lastEventId', lastId);
    if (token !== undefined) params.set('access_token', token);
    try {
      const response = await fetch(`${base}/api/v2/events/stream?${params}`, {
        signal: controller.signal,
        headers: { accept: 'text/event-stream' },
      });
      if (!response.ok || response.body === null) {
        const text = await response.text();
        if (response.status >= 400 && response.status < 500 && response.status !== 429)
          throw new Error(`HTTP ${response.status} ${text}`);
        process.stderr.write(`tail: HTTP ${response.status}, retrying\n`);
      } else {
        attempt = 0;
        let buffer = '';
        const decoder = new TextDecoder();
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          const text = decoder.decode(chunk, { stream: true });
          if (raw) process.stdout.write(text);
          buffer += text;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let data = '';
            for (const line of frame.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
              else if (line.startsWith('id: ')) lastId = line.slice(4);
            }
            if (raw || data === '') continue;
            process.stdout.write(
              event === 'message'
                ? `${data}\n`
                : `${JSON.stringify({ control: event, ...(JSON.parse(data) as object) })}\n`,
            );
          }
        }
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      if (err instanceof Error && err.message.startsWith('HTTP 4')) throw err;
      process.stderr.write(`tail: ${(err as Error).message}, reconnecting\n`);
    }
    if (controller.signal.aborted) return;
    await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6))));
  }
}
