#!/usr/bin/env node
import { parseArgs, UsageError } from './args.js';
import { publish, PUBLISH_HELP } from './publish.js';
import { serve, SERVE_HELP } from './serve.js';
import { tail, TAIL_HELP } from './tail.js';

const MAIN_HELP = `livegate — real-time update server for monitoring dashboards

Usage: livegate <command> [options]

Commands:
  serve     run the server (default port 8080)
  publish   publish an event through the HTTP API
  tail      print a live event stream

Run "livegate <command> --help" for a command's options.`;

const COMMANDS = {
  serve: { run: serve, help: SERVE_HELP },
  publish: { run: publish, help: PUBLISH_HELP },
  tail: { run: tail, help: TAIL_HELP },
} as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${MAIN_HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  const entry = COMMANDS[command as keyof typeof COMMANDS];
  if (entry === undefined) {
    process.stderr.write(`livegate: unknown command "${command}"\n\n${MAIN_HELP}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${entry.help}\n`);
    return 0;
  }
  try {
    await entry.run(parseArgs(rest));
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
