import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Cli, ensureCliBuilt, killRunningClis, ROOT, runCli, serveCli } from '../harness/cli.js';
import { freePort } from '../harness/ports.js';

// Each test spawns real processes; on a loaded 2-core machine a start can take many seconds.
// These are deadlines, not timing targets (runCli waits up to 60 s by default).
vi.setConfig({ testTimeout: 120_000 });

/**
 * The CLI as a user meets it: `node dist/src/cli/main.js` spawned for real. Usage errors exit 2
 * (unknown options are never ignored), failures exit 1 with the URL and the cause, and publish and
 * tail work against a running `livegate serve` with the documented short flags.
 */

const VERSION = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string }).version;

beforeAll(ensureCliBuilt, 120_000);
afterAll(killRunningClis);

describe.concurrent('version', () => {
  it.for([['--version'], ['-v'], ['version']])(
    'livegate %s prints the version and exits 0',
    async (args, { expect }) => {
      const { exit, stdout } = await runCli(args);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(stdout.trim()).toMatch(
        new RegExp(`^livegate ${VERSION.replace(/\./g, '\\.')} \\(revision \\S+, node ${process.version}\\)$`),
      );
    },
  );
});

describe.concurrent('usage errors exit 2 and say what is wrong', () => {
  it.for([
    { args: ['tail', '-x', 'deploys'], says: 'unknown option -x' },
    { args: ['tail', '--topic', 'deploys'], says: 'unknown option --topic' },
    { args: ['publish', '--topc', 'x', '-T', 'y'], says: 'unknown option --topc' },
    { args: ['publish', '-T', 'y'], says: '--topic (-t) and --type (-T) are required' },
    { args: ['publish', '-t', 'x', '-T', 'y', 'extra'], says: 'unexpected argument "extra"' },
    {
      args: ['publish', '-t', 'x', '-T', 'y', '-u', 'localhost:8080'],
      says: '--url (or LIVEGATE_URL) must be an http:// or https:// URL, got "localhost:8080"',
    },
    { args: ['serve', '--unknown-flag', 'x'], says: 'unknown option --unknown-flag' },
    { args: ['serve', '--port'], says: 'option --port needs a value' },
    { args: ['serve', '--demo=false'], says: 'option --demo takes no value' },
    { args: ['serve', '--demo', '--no-demo'], says: '--demo and --no-demo contradict each other' },
    { args: ['serve', '-p', '99999'], says: 'config port (flag --port): 99999 is out of range; allowed: 0 to 65535' },
    {
      args: ['serve', '--log-level', 'loud'],
      says: 'config log.level (flag --log-level): "loud" is not allowed; allowed: fatal, error, warn, info, debug, trace, silent',
    },
  ])('livegate $args', async ({ args, says }, { expect }) => {
    const { exit, stderr, stdout } = await runCli(args);
    expect(exit).toEqual({ code: 2, signal: null });
    expect(stderr).toContain(`livegate ${args[0]}: ${says}`);
    expect(stderr).toContain(`Run "livegate ${args[0]} --help" for usage.`);
    expect(stdout).not.toContain('livegate listening');
  });

  it('an unknown command exits 2 with the command list', async ({ expect }) => {
    const { exit, stderr } = await runCli(['tial']);
    expect(exit).toEqual({ code: 2, signal: null });
    expect(stderr).toContain('livegate: unknown command "tial"');
    expect(stderr).toContain('version   print the version');
  });
});

describe.concurrent('help', () => {
  it.for([
    { args: ['--help'], shows: ['Usage: livegate <command> [options]', 'version'] },
    {
      args: ['serve', '--help'],
      shows: ['Usage: livegate serve', '-p, --port <port>', '-H, --host <host>', '-c, --config'],
    },
    {
      args: ['publish', '-h'],
      shows: ['Usage: livegate publish', '-t, --topic <topic>', '-T, --type <type>', '-l, --label'],
    },
    { args: ['tail', '--help'], shows: ['Usage: livegate tail', '-t, --topics', '-m, --match', '-u, --url <url>'] },
  ])('livegate $args exits 0 and lists the options with their short forms', async ({ args, shows }, { expect }) => {
    const { exit, stdout } = await runCli(args);
    expect(exit).toEqual({ code: 0, signal: null });
    for (const text of shows) expect(stdout).toContain(text);
  });

  it('serve --help lists each key with its flag, env var and allowed values', async ({ expect }) => {
    const { stdout } = await runCli(['serve', '--help']);
    expect(stdout).toMatch(/log\.level\s+-l, --log-level\s+LIVEGATE_LOG_LEVEL\s+"info"/);
    expect(stdout).toContain('Allowed: fatal, error, warn, info, debug, trace, silent.');
    expect(stdout).toContain('A switch: --demo sets true, --no-demo false.');
  });
});

describe.concurrent('when nothing listens', () => {
  it('publish exits 1 naming the URL and the cause', async ({ expect }) => {
    const port = await freePort();
    const { exit, stderr } = await runCli(['publish', '-u', `http://127.0.0.1:${port}`, '-t', 'x', '-T', 'y']);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stderr.trim()).toBe(
      `livegate publish: cannot reach http://127.0.0.1:${port}/api/v2/events: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('tail says which URL it cannot reach and why, keeps retrying, and stops on Ctrl-C', async ({ expect }) => {
    const port = await freePort();
    const tail = new Cli(['tail', '-t', 'x'], { LIVEGATE_URL: `http://127.0.0.1:${port}` });
    await tail.stderrLine(
      (l) =>
        l ===
        `tail: cannot reach http://127.0.0.1:${port}/api/v2/events/stream: connect ECONNREFUSED 127.0.0.1:${port}; reconnecting`,
      'the unreachable message',
      60_000,
    );
    expect(tail.child.exitCode).toBeNull();
    tail.child.kill('SIGINT');
    expect(await tail.exited(30_000)).toEqual({ code: 0, signal: null });
  });
});

describe('publish and tail against a running server', () => {
  let server: { cli: Cli; url: string };
  beforeAll(async () => {
    server = await serveCli();
  }, 30_000);
  afterAll(async () => {
    server.cli.child.kill('SIGTERM');
    await server.cli.exited(30_000);
  });

  it('logs every URL it listens on', async () => {
    const line = await server.cli.line((l) => l.includes('"msg":"livegate listening"'), 'the listening line');
    expect(JSON.parse(line)).toMatchObject({ host: '127.0.0.1', urls: [server.url], url: server.url });
  });

  it('publish prints the assigned id and tail, filtering with short flags, prints only the matching envelope', async () => {
    const { head } = (await (await fetch(`${server.url}/api/v2/info`)).json()) as { head: string };
    // Resuming from the head makes tail see the events whether it connects before or after publish.
    const tail = new Cli(['tail', '-u', server.url, '-t', 'cli-test', '-m', '{env="prod"}', '--since', head]);
    const publish = (env: string, version: string): Promise<{ exit: unknown; stdout: string }> =>
      runCli([
        'publish',
        '-u',
        server.url,
        '-t',
        'cli-test',
        '-T',
        'deployed',
        '-l',
        `env=${env}`,
        '-d',
        `{"version":"${version}"}`,
      ]);

    const skipped = await publish('dev', '0.0.1');
    const published = await publish('prod', '1.2.3');
    expect(published.exit).toEqual({ code: 0, signal: null });
    const lines = published.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const id = lines[0]!;
    expect(id).toMatch(/^[a-z0-9]{4,32}-\d+$/);

    const line = await tail.line((l) => l.includes(`"id":"${id}"`), `the envelope of ${id}`);
    expect(JSON.parse(line)).toMatchObject({
      id,
      topic: 'cli-test',
      type: 'deployed',
      labels: { env: 'prod' },
      data: { version: '1.2.3' },
    });
    // Published before the matching one, so had it passed the filter it would have been printed first.
    expect(tail.stdout).not.toContain(skipped.stdout.trim());
    expect(tail.stdout.split('\n')[0]).toMatch(/^\{"control":"hello",/);

    tail.child.kill('SIGINT');
    expect(await tail.exited(30_000)).toEqual({ code: 0, signal: null });
  }, 30_000);

  it('tail --raw prints the SSE bytes as received', async () => {
    const { head } = (await (await fetch(`${server.url}/api/v2/info`)).json()) as { head: string };
    const tail = new Cli(['tail', '-u', server.url, '-t', 'cli-raw', '--since', head, '--raw']);
    const published = await runCli(['publish', '-u', server.url, '-t', 'cli-raw', '-T', 'x', '-d', '1']);
    const id = published.stdout.trim();
    await tail.line((l) => l.startsWith('data: ') && l.includes(`"id":"${id}"`), `the data line of ${id}`);
    expect(tail.stdout).toMatch(/^retry: \d+\n\nevent: hello\ndata: \{/);
    expect(tail.stdout).toContain(`\nid: ${id}\ndata: {"id":"${id}",`);
    tail.child.kill('SIGINT');
    expect(await tail.exited(30_000)).toEqual({ code: 0, signal: null });
  }, 30_000);

  it('publish exits 1 with the server answer when the event is refused', async () => {
    const { exit, stderr } = await runCli(['publish', '-u', server.url, '-t', 'Bad Topic', '-T', 'x']);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stderr).toMatch(
      new RegExp(`^livegate publish: POST ${server.url}/api/v2/events failed: HTTP 400 \\w+ \\(topic\\): `),
    );
  });

  it('tail stops with the server answer after a 4xx instead of retrying', async () => {
    const { exit, stderr } = await runCli(['tail', '-u', server.url, '-t', 'x', '-m', '{env=~"("}'], 20_000);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stderr).toMatch(
      new RegExp(
        `^livegate tail: GET ${server.url}/api/v2/events/stream was refused: HTTP 400 invalid_filter \\(match\\[0\\]\\): .+; not retrying\\n$`,
      ),
    );
  });
});

describe('tail when the server is full', () => {
  it('retries after a 503 with backoff and connects once a slot is free', async () => {
    const server = await serveCli(['--limits-max-connections', '1']);
    const holder = new AbortController();
    try {
      const held = await fetch(`${server.url}/api/v2/events/stream?topics=x`, { signal: holder.signal });
      expect(held.status).toBe(200);
      const tail = new Cli(['tail', '-u', server.url, '-t', 'x']);
      const refused = await tail.stderrLine((l) => l.includes('HTTP 503'), 'the 503 retry message', 15_000);
      expect(refused).toMatch(
        new RegExp(
          `^tail: GET ${server.url}/api/v2/events/stream: HTTP 503 too_many_connections: .+; retrying in \\d+ s$`,
        ),
      );
      holder.abort();
      await tail.line((l) => l.startsWith('{"control":"hello"'), 'the hello after the retry', 20_000);
      tail.child.kill('SIGINT');
      expect(await tail.exited(30_000)).toEqual({ code: 0, signal: null });
    } finally {
      holder.abort();
      server.cli.child.kill('SIGTERM');
      await server.cli.exited(30_000);
    }
  }, 60_000);
});

describe('serve switches', () => {
  it('--no-alerts-ingest turns a default-on key off', async () => {
    const server = await serveCli(['--no-alerts-ingest']);
    try {
      const res = await fetch(`${server.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[]',
      });
      expect(res.status).toBe(404);
    } finally {
      server.cli.child.kill('SIGTERM');
      await server.cli.exited(30_000);
    }
  }, 30_000);
});
