/**
 * The servers under test. livegate is just one more target: each target says how to start it as a
 * child process, where the publisher posts drafts, and how subscribers of each transport connect.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SubscriberEndpoint, SubscriberKind } from '../lib/protocol.js';

/** Transport as shown in the report; livegate is compared with baselines of the same family. */
export type Transport = 'sse' | 'ws' | 'socketio';

export interface TargetContext {
  /** Repository root (holds `dist/` and `node_modules/`). */
  root: string;
  /** Directory of the bundled bench scripts (baseline servers live in `targets/`). */
  buildDir: string;
  host: string;
  port: number;
  /** Extra CLI arguments for livegate (`--livegate-args`). */
  livegateArgs: string[];
  officialSocketIoClient: boolean;
}

export interface SpawnSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface Target {
  name: string;
  description: string;
  /** Transports this target serves, in report order. */
  transports: Transport[];
  /** Whether subscribers can resume from a last id without loss (churn scenario). */
  resume: boolean;
  /** Publisher endpoint: `POST` a JSON array of drafts, expect 2xx. */
  publishPath: string;
  /** Prometheus text with `process_resident_memory_bytes` / `nodejs_heap_size_used_bytes`. */
  metricsPath: string;
  /** A reason to skip this target on this machine, or undefined when it can run. */
  unavailable(ctx: TargetContext): string | undefined;
  spawn(ctx: TargetContext): SpawnSpec;
  endpoint(transport: Transport, ctx: TargetContext): SubscriberEndpoint;
}

/** Which livegate transport a baseline of `transport` is compared with. */
export function livegateCounterpart(transport: Transport): Transport {
  return transport === 'sse' ? 'sse' : 'ws';
}

function baselineScript(ctx: TargetContext, file: string, extra: string[] = []): SpawnSpec {
  return {
    command: process.execPath,
    args: [
      // Node flags for the baseline servers, as LIVEGATE_BENCH_NODE_ARGS for livegate: profile a
      // ceiling the same way (`--perf-basic-prof` for perf, `--cpu-prof`) to compare the two.
      ...(process.env.LIVEGATE_BENCH_BASELINE_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
      path.join(ctx.buildDir, 'targets', file),
      '--port',
      String(ctx.port),
      '--host',
      ctx.host,
      ...extra,
    ],
    env: {},
  };
}

function endpoint(
  ctx: TargetContext,
  kind: SubscriberKind,
  p: string,
  extra: Partial<SubscriberEndpoint> = {},
): SubscriberEndpoint {
  return {
    kind,
    host: ctx.host,
    port: ctx.port,
    path: p,
    filterStyle: 'query-shard',
    query: {},
    readyEvent: 'hello',
    ...extra,
  };
}

const LIMIT = '100000';

export const livegate: Target = {
  name: 'livegate',
  description: 'livegate (dist/src/cli/main.js serve)',
  transports: ['sse', 'ws'],
  resume: true,
  publishPath: '/api/v2/events',
  metricsPath: '/metrics',
  unavailable(ctx) {
    const main = path.join(ctx.root, 'dist', 'src', 'cli', 'main.js');
    return fs.existsSync(main)
      ? undefined
      : `livegate is not built: ${path.relative(ctx.root, main)} is missing (run \`npm run build\`)`;
  },
  spawn(ctx) {
    return {
      command: process.execPath,
      args: [
        // Node flags for the server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it
        // (NODE_OPTIONS refuses --cpu-prof, and would profile the generator too).
        ...(process.env.LIVEGATE_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
        path.join(ctx.root, 'dist', 'src', 'cli', 'main.js'),
        'serve',
        '--port',
        String(ctx.port),
        '--host',
        ctx.host,
        '--limits-max-per-ip',
        LIMIT,
        '--limits-max-connections',
        LIMIT,
        // The generator connects and publishes from loopback far above the per-address rate limits.
        '--limits-connects-per-second',
        '0',
        '--limits-publishes-per-second',
        '0',
        ...ctx.livegateArgs,
      ],
      env: { LIVEGATE_LIMITS_MAX_PER_IP: LIMIT, LIVEGATE_LIMITS_MAX_CONNECTIONS: LIMIT },
    };
  },
  endpoint(transport, ctx) {
    if (transport === 'sse') {
      return endpoint(ctx, 'sse', '/api/v2/events/stream', {
        filterStyle: 'livegate-match',
        query: { topics: 'bench' },
      });
    }
    if (transport === 'ws') return endpoint(ctx, 'ws-livegate', '/ws/dashboard', { filterStyle: 'livegate-match' });
    throw new Error(`livegate has no ${transport} transport`);
  },
};

export const bareWs: Target = {
  name: 'bare-ws',
  description: 'bare ws broadcast, one pre-serialized Buffer per event',
  transports: ['ws'],
  resume: false,
  publishPath: '/publish',
  metricsPath: '/metrics',
  unavailable: () => undefined,
  spawn: (ctx) => baselineScript(ctx, 'bare-ws-server.mjs'),
  endpoint: (_t, ctx) => endpoint(ctx, 'ws-plain', '/ws'),
};

export const bareWsFramed: Target = {
  name: 'bare-ws-framed',
  description: 'bare ws, one pre-framed WebSocket frame per event written to every raw socket (the ceiling)',
  transports: ['ws'],
  resume: false,
  publishPath: '/publish',
  metricsPath: '/metrics',
  unavailable: () => undefined,
  spawn: (ctx) => baselineScript(ctx, 'bare-ws-server.mjs', ['--framed']),
  endpoint: (_t, ctx) => endpoint(ctx, 'ws-plain', '/ws'),
};

export const socketio: Target = {
  name: 'socketio',
  description: 'Socket.IO 4, io.emit (rooms for filters), websocket transport',
  transports: ['socketio'],
  resume: false,
  publishPath: '/publish',
  metricsPath: '/metrics',
  unavailable: () => undefined,
  spawn: (ctx) => baselineScript(ctx, 'socketio-server.mjs'),
  endpoint: (_t, ctx) =>
    endpoint(ctx, 'socketio', '/socket.io/', { officialSocketIoClient: ctx.officialSocketIoClient }),
};

export const betterSse: Target = {
  name: 'better-sse',
  description: 'better-sse channel broadcast (channels for filters)',
  transports: ['sse'],
  resume: false,
  publishPath: '/publish',
  metricsPath: '/metrics',
  unavailable: () => undefined,
  spawn: (ctx) => baselineScript(ctx, 'better-sse-server.mjs'),
  endpoint: (_t, ctx) => endpoint(ctx, 'sse', '/events'),
};

export const bareSse: Target = {
  name: 'bare-sse',
  description: 'bare SSE, one pre-framed event per event written to every raw socket (the ceiling)',
  transports: ['sse'],
  resume: false,
  publishPath: '/publish',
  metricsPath: '/metrics',
  unavailable: () => undefined,
  spawn: (ctx) => baselineScript(ctx, 'bare-sse-server.mjs'),
  endpoint: (_t, ctx) => endpoint(ctx, 'sse', '/events'),
};

export const TARGETS: readonly Target[] = [livegate, bareWsFramed, bareWs, socketio, bareSse, betterSse];

export function findTarget(name: string): Target | undefined {
  return TARGETS.find((t) => t.name === name);
}
