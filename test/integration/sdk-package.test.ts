/**
 * The SDK as a user gets it from this repository (README "Use the SDK"): `npm pack` in
 * packages/client builds it (`prepack`), the tarball installs into an empty project without the
 * network, and `import { createClient } from '@livegate/client'` receives a published event from a
 * real server.
 */
import { execFile, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { makeTempDir, type TempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const CLIENT_DIR = join(ROOT, 'packages/client');

let server: LivegateServer;
let dir: TempDir;

beforeAll(async () => {
  server = await startTestServer({ stats: { intervalMs: 0 } });
  dir = await makeTempDir('sdk-pack');
});
afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

describe('the SDK package built by npm pack', () => {
  it('builds on prepack, installs offline and receives events from a real server', async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir.path], {
      cwd: CLIENT_DIR,
      timeout: 150_000,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = packed!.files.map((f) => f.path);
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/react.js', 'dist/vue.js', 'LICENSE', 'README.md'])
      expect(files).toContain(file);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);

    const app = join(dir.path, 'app');
    await run('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), '{ "name": "sdk-user", "private": true, "type": "module" }\n');
    // The SDK depends on the shared protocol package, packed from this repository the same way.
    const { stdout: protocolOut } = await run('npm', ['pack', '--json', '--pack-destination', dir.path], {
      cwd: join(CLIENT_DIR, '..', 'protocol'),
      timeout: 150_000,
    });
    const [protocol] = JSON.parse(protocolOut.slice(protocolOut.indexOf('['))) as { filename: string }[];
    await run(
      'npm',
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        join(dir.path, protocol!.filename),
        join(dir.path, packed!.filename),
      ],
      { cwd: app, timeout: 60_000 },
    );
    expect(readdirSync(join(app, 'node_modules/@livegate/client/dist'))).toContain('index.js');

    // What a Node user writes; `ws` comes from this repository, as a user would install it.
    const wsUrl = pathToFileURL(join(ROOT, 'node_modules/ws/wrapper.mjs')).href;
    writeFileSync(
      join(app, 'main.mjs'),
      `import { WebSocket } from ${JSON.stringify(wsUrl)};
import { createClient } from '@livegate/client';
const client = createClient({ url: process.argv[2], topics: ['sdk.pack'], transports: ['ws'], WebSocket });
client.on('connected', ({ transport }) => console.log('connected ' + transport));
client.on('deploy_finished', (event) => {
  console.log('event ' + JSON.stringify(event.data));
  client.close();
});
`,
    );
    const child = spawn(process.execPath, ['main.mjs', server.url], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await waitFor(() => output.includes('connected ws'), {
        timeoutMs: 15_000,
        what: "the SDK's connected line",
      });
      await publishEvents(server, { topic: 'sdk.pack', type: 'deploy_finished', data: { version: '1.4.3' } });
      expect(await exited).toBe(0);
      expect(output).toContain('event {"version":"1.4.3"}');
    } finally {
      child.kill();
    }
  }, 240_000);
});
