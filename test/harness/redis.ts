/**
 * A real `redis-server` on a free loopback port, without persistence, in a temp dir.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { launch, type ServerLifecycle } from './lifecycle.js';
import { ManagedProcess } from './managed-process.js';
import { freePort } from './ports.js';
import { makeTempDir } from './temp-dir.js';

/** A running Redis started by {@link startRedis}. */
export interface RedisServer {
  /** Always `'127.0.0.1'`. */
  readonly host: string;
  /** TCP port, kept across {@link RedisServer.restart}. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Working directory of the server (a temp dir). */
  readonly dir: string;
  /** The underlying process, for `pid`, `outputTail()` and `describe()`. */
  readonly process: ManagedProcess;
  /** Process id, or `undefined` while down. */
  readonly pid: number | undefined;
  /** Graceful stop, then removes the temp dir. Final and idempotent. */
  stop(): Promise<void>;
  /** Stops (if running) and starts again on the same port; works after {@link RedisServer.kill}. */
  restart(): Promise<void>;
  /** SIGKILL, keeping the port reserved for a later {@link RedisServer.restart}. */
  kill(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '10mb']`. Defaults to `[]`. */
  extraArgs?: string[];
  /** Deadline for the server to answer PING, in milliseconds. Defaults to `10_000`. */
  readyTimeoutMs?: number;
}

const HOST = '127.0.0.1';

/** Finds `redis-server`: Debian installs it in /usr/bin; fall back to `PATH`. */
function redisBinary(): string {
  return existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';
}

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save "" --appendonly no --dir <tmp>` and
 * resolves once it answers `PING` with `+PONG`. The process is killed if the test process exits.
 */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  const [port, dir] = await Promise.all([freePort(HOST), makeTempDir('redis')]);
  const proc = new ManagedProcess({
    name: `redis:${port}`,
    command: redisBinary(),
    args: [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir.path,
      ...(opts.extraArgs ?? []),
    ],
    ready: () => pingRedis(HOST, port),
    readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
  });
  const lifecycle = await launch(proc, dir, 'startRedis()');
  return Object.assign(lifecycle, {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    dir: dir.path,
  } satisfies Omit<RedisServer, keyof ServerLifecycle>);
}

/**
 * Sends one inline `PING` to Redis over a raw socket and resolves `true` on `+PONG`; rejects with
 * what it got otherwise (a loading Redis answers `-LOADING …`).
 *
 * @param timeoutMs - Time limit for the exchange. Defaults to `2000`.
 */
export async function pingRedis(host: string, port: number, timeoutMs = 2000): Promise<true> {
  return new Promise<true>((resolve, reject) => {
    const socket = connect({ host, port });
    let received = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`PING ${host}:${port} timed out (got ${JSON.stringify(received)})`)),
    );
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (!received.includes('\r\n')) return;
      socket.destroy();
      if (received.startsWith('+PONG\r\n')) resolve(true);
      else reject(new Error(`PING ${host}:${port} answered ${JSON.stringify(received)}`));
    });
    socket.once('error', reject);
    socket.once('close', () =>
      reject(new Error(`PING ${host}:${port}: connection closed (got ${JSON.stringify(received)})`)),
    );
  });
}
