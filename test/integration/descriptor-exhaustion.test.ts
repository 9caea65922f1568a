/**
 * File-descriptor exhaustion does not crash the server (issue 9, finding 2). `livegate serve`
 * (built to dist/) runs with 256 descriptors (`ulimit -n 256`) and gets more half-open sockets
 * (partial request headers) than that, from several client addresses. It must stay alive, keep
 * its periodic work running (the stats timer, whose `process.memoryUsage()` threw EMFILE and ended
 * the process), and answer `/healthz` again once the sockets are gone.
 */
import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../harness/managed-process.js';
import { freePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';

const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const DESCRIPTORS = 256;
const HALF_OPEN = 320;

/** Counts `stats_updated` events on one SSE stream opened before the flood (its descriptor is already held). */
class StatsWatcher {
  readonly socket: Socket;
  count = 0;
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8');
    this.socket.on('error', () => {});
    this.socket.on('connect', () =>
      this.socket.write('GET /api/v2/events/stream?topics=stats HTTP/1.1\r\nHost: livegate\r\n\r\n'),
    );
    this.socket.on('data', (chunk: string) => (this.count += chunk.split('stats_updated').length - 1));
  }
}

/** Opens `count` sockets that send a partial request and then nothing, spread over 127.0.1.x. */
function halfOpen(port: number, count: number): { sockets: Socket[]; closedByServer: () => number } {
  const sockets: Socket[] = [];
  let closed = 0;
  for (let i = 0; i < count; i++) {
    const socket = connect({ port, host: '127.0.0.1', localAddress: `127.0.1.${1 + (i % 20)}` });
    socket.on('error', () => {});
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: livegate\r\n'));
    socket.on('close', () => closed++);
    sockets.push(socket);
  }
  return { sockets, closedByServer: () => closed };
}

async function healthz(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
  return res.status;
}

function serve(port: number, extra: readonly string[] = []): ManagedProcess {
  return new ManagedProcess({
    name: 'livegate',
    command: 'bash',
    args: [
      '-c',
      `ulimit -n ${DESCRIPTORS} && exec "$0" "$@"`,
      process.execPath,
      MAIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--stats-interval-ms',
      '200',
      '--log-level',
      'warn',
      ...extra,
    ],
    ready: async () => (await healthz(port)) === 200,
  });
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe.skipIf(spawnSync('bash', ['-c', `ulimit -n ${DESCRIPTORS}`]).status !== 0)(
  `livegate serve with ${DESCRIPTORS} descriptors and ${HALF_OPEN} half-open sockets`,
  () => {
    for (const variant of [
      { name: 'the default socket limit (the descriptor limit minus a reserve)', args: [] as string[] },
      {
        name: 'sockets.max above the descriptor limit, so accept() really fails with EMFILE',
        args: ['--sockets-max', '5000', '--sockets-max-per-ip', '5000'],
      },
    ]) {
      it(`stays alive, keeps its timers running and answers /healthz again once they close (${variant.name})`, async () => {
        const port = await freePort();
        const server = serve(port, [
          ...variant.args,
          // Long enough that the headers timeout does not end the flood before the test does.
          '--sockets-headers-timeout-ms',
          '120000',
          '--sockets-request-timeout-ms',
          '120000',
        ]);
        cleanup.push(() => server.stop());
        await server.start();
        const watcher = new StatsWatcher(port);
        cleanup.push(() => void watcher.socket.destroy());
        await waitFor(() => watcher.count >= 1, { timeoutMs: 20_000, what: 'a first stats_updated event' });

        const flood = halfOpen(port, HALF_OPEN);
        cleanup.push(() => flood.sockets.forEach((s) => s.destroy()));
        // Beyond the limit the server closes sockets it cannot (or must not) keep: that proves saturation.
        await waitFor(() => flood.closedByServer() > 0, {
          timeoutMs: 20_000,
          what: `the server to close sockets beyond its limit\n${server.describe()}`,
        });
        const seen = watcher.count;
        await waitFor(() => watcher.count >= seen + 5 || !server.running, {
          timeoutMs: 30_000,
          what: 'five more stats_updated events while saturated',
        });
        expect(server.running, server.describe()).toBe(true);
        expect(watcher.count).toBeGreaterThanOrEqual(seen + 5);

        for (const socket of flood.sockets) socket.destroy();
        await waitFor(async () => (await healthz(port)) === 200, {
          timeoutMs: 20_000,
          what: `/healthz to answer again\n${server.describe()}`,
        });
        expect(server.running).toBe(true);
      }, 90_000);
    }
  },
);
