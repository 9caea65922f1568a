#!/usr/bin/env node
import { buildInfo, VERSION } from '../http/build-info.js';
import { UsageError } from './args.js';
import { publish, PUBLISH_HELP } from './publish.js';
import { serve, SERVE_HELP } from './serve.js';
import { tail, TAIL_HELP } from './tail.js';

const MAIN_HELP = `livegate — real-time update server for monitoring dashboards

Usage: livegate <command> [options]

Commands:
  serve     run the server (default port 8080, every interface)
  publish   publish an event through the HTTP API
  tail      print a live event stream
  version   print the version (also: livegate --version, -v)

Run "livegate <command> --help" (or -h) for a command's options.`;

const COMMANDS = {
  serve: { run: serve, help: SERVE_HELP },
  publish: { run: publish, help: PUBLISH_HELP },
  tail: { run: tail, help: TAIL_HELP },
} as const;

/** `livegate 0.1.0 (revision 1a2b3c4, node v20.19.0)`. */
function versionLine(): string {
  const info = buildInfo(VERSION, '');
  const revision = /^[0-9a-f]{40}$/.test(info.revision) ? info.revision.slice(0, 12) : info.revision;
  return `livegate ${info.version} (revision ${revision}, node ${info.node})`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${MAIN_HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    if (rest.length > 0) {
      process.stderr.write(`livegate: ${command} takes no arguments\n`);
      return 2;
    }
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  const entry = COMMANDS[command as keyof typeof COMMANDS];
  if (entry === undefined) {
    process.stderr.write(`livegate: unknown command "${command}"\n\n${MAIN_HELP}\n`);
    return 2;
  }
  // Help wins over anything else on the line, so `livegate tail --bogus --help` still shows it.
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${entry.help}\n`);
    return 0;
  }
  try {
    await entry.run(rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`livegate ${command}: ${err.message}\nRun "livegate ${command} --help" for usage.\n`);
      return 2;
    }
    process.stderr.write(`livegate ${command}: ${(err as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
