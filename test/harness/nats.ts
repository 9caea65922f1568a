/**
 * A real `nats-server` with JetStream on a free loopback port, storing in a temp dir.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { launch, type ServerLifecycle } from './lifecycle.js';
import { ManagedProcess } from './managed-process.js';
import { freePort } from './ports.js';
import { makeTempDir } from './temp-dir.js';

/** A running NATS server started by {@link startNats}. */
export interface NatsServer {
  /** Always `'127.0.0.1'`. */
  readonly host: string;
  /** Client port, kept across {@link NatsServer.restart}. */
  readonly port: number;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** JetStream store directory (a temp dir), kept across restarts. */
  readonly storeDir: string;
  /** The underlying process, for `pid`, `outputTail()` and `describe()`. */
  readonly process: ManagedProcess;
  /** Process id, or `undefined` while down. */
  readonly pid: number | undefined;
  /** Graceful stop, then removes the store dir. Final and idempotent. */
  stop(): Promise<void>;
  /** Stops (if running) and starts again on the same port and store; works after {@link NatsServer.kill}. */
  restart(): Promise<void>;
  /** SIGKILL, keeping port and store for a later {@link NatsServer.restart}. */
  kill(): Promise<void>;
}

/** Options of {@link startNats}. */
export interface StartNatsOptions {
  /** Extra `nats-server` arguments. Defaults to `[]`. */
  extraArgs?: string[];
  /** Deadline for the server to greet a client with `INFO`, in milliseconds. Defaults to `10_000`. */
  readyTimeoutMs?: number;
}

const HOST = '127.0.0.1';

/** Debian installs nats-server in /usr/sbin, which is not on every user's PATH. */
function natsBinary(): string {
  for (const path of ['/usr/sbin/nats-server', '/usr/bin/nats-server']) if (existsSync(path)) return path;
  return 'nats-server';
}

/**
 * Starts `nats-server -js -a 127.0.0.1 -p <free> -sd <tmp>` and resolves once a TCP client receives
 * its `INFO` greeting. The process is killed if the test process exits.
 */
export async function startNats(opts: StartNatsOptions = {}): Promise<NatsServer> {
  const [port, dir] = await Promise.all([freePort(HOST), makeTempDir('nats')]);
  const proc = new ManagedProcess({
    name: `nats:${port}`,
    command: natsBinary(),
    args: ['-js', '-a', HOST, '-p', String(port), '-sd', dir.path, ...(opts.extraArgs ?? [])],
    ready: () => readNatsInfo(HOST, port),
    readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
  });
  const lifecycle = await launch(proc, dir, 'startNats()');
  return Object.assign(lifecycle, {
    host: HOST,
    port,
    url: `nats://${HOST}:${port}`,
    storeDir: dir.path,
  } satisfies Omit<NatsServer, keyof ServerLifecycle>);
}

/**
 * Connects to a NATS server over raw TCP, reads its first protocol line (`INFO {json}`) and resolves
 * with the parsed JSON; rejects if the first line is anything else.
 *
 * @param timeoutMs - Time limit for the exchange. Defaults to `2000`.
 */
export async function readNatsInfo(host: string, port: number, timeoutMs = 2000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`NATS INFO from ${host}:${port} timed out`)));
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\r\n');
      if (end < 0) return;
      socket.destroy();
      const line = received.slice(0, end);
      if (!line.startsWith('INFO ')) {
        reject(new Error(`NATS ${host}:${port} greeted with ${JSON.stringify(line.slice(0, 200))}`));
        return;
      }
      try {
        resolve(JSON.parse(line.slice('INFO '.length)) as Record<string, unknown>);
      } catch (error) {
        reject(error);
      }
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`NATS ${host}:${port}: connection closed before INFO`)));
  });
}
