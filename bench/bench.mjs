#!/usr/bin/env node
// Launcher for the TypeScript bench (Node 20 cannot run .ts directly and tsx is not a dependency):
// bundles bench/*.ts with esbuild into node_modules/.cache/livegate-bench/<pid>/ (dependencies stay
// external and resolve from node_modules), then runs it in this process. The build directory is
// private to this process and removed on exit, so concurrent runs (npm test + a manual bench) never
// race. Usage: `node bench/bench.mjs [options]` (see --help), or
// `node bench/bench.mjs serve <bare-ws|bare-sse|socketio|better-sse> --port N` to run a baseline server alone.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(benchDir, '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'livegate-bench');
const outdir = path.join(cacheDir, String(process.pid));

// Remove build directories left by processes that no longer exist.
try {
  for (const name of fs.readdirSync(cacheDir)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if (err && err.code === 'ESRCH') fs.rmSync(path.join(cacheDir, name), { recursive: true, force: true });
    }
  }
} catch {
  /* no cache yet */
}

const entryPoints = {
  run: path.join(benchDir, 'run.ts'),
  'load/worker': path.join(benchDir, 'load', 'worker.ts'),
  'targets/bare-ws-server': path.join(benchDir, 'targets', 'bare-ws-server.ts'),
  'targets/bare-sse-server': path.join(benchDir, 'targets', 'bare-sse-server.ts'),
  'targets/socketio-server': path.join(benchDir, 'targets', 'socketio-server.ts'),
  'targets/better-sse-server': path.join(benchDir, 'targets', 'better-sse-server.ts'),
};

await build({
  entryPoints,
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outExtension: { '.js': '.mjs' },
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.on('exit', () => fs.rmSync(outdir, { recursive: true, force: true }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
process.setSourceMapsEnabled(true);
process.env.LIVEGATE_BENCH_ROOT ??= root;

const args = process.argv.slice(2);
if (args[0] === 'serve') {
  const name = args[1];
  const file = path.join(outdir, 'targets', `${name}-server.mjs`);
  if (!name || !fs.existsSync(file)) {
    process.stderr.write(
      'usage: node bench/bench.mjs serve <bare-ws|bare-sse|socketio|better-sse> --port N [--host H]\n',
    );
    process.exit(2);
  }
  process.argv.splice(2, 2);
  await import(pathToFileURL(file).href);
} else {
  await import(pathToFileURL(path.join(outdir, 'run.mjs')).href);
}
