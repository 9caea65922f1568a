import { describe, expect, it } from 'vitest';
import { formatOptions, parseCommandArgs, UsageError, type OptionSpecs } from '../../../src/cli/args.js';
import { httpFailure, networkCause } from '../../../src/cli/fetch-error.js';
import { serveOptions } from '../../../src/cli/serve.js';
import { SETTINGS } from '../../../src/config/schema.js';

const SPECS = {
  topic: { type: 'string', short: 't', value: 'topic', description: 'Topic.' },
  label: { type: 'string', short: 'l', multiple: true, description: 'A label.' },
  raw: { type: 'boolean', short: 'r', description: 'Raw.' },
} as const satisfies OptionSpecs;

describe('parseCommandArgs', () => {
  it('reads long, short and inline forms, keeps repeats in order, and reports switches', () => {
    const args = parseCommandArgs(['-t', 'a', '--topic=b', '-l', 'x=1', '--label', 'y=2', '-r'], SPECS);
    expect(args.string('topic')).toBe('b');
    expect(args.strings('label')).toEqual(['x=1', 'y=2']);
    expect(args.flag('raw')).toBe(true);
    expect(args.given().sort()).toEqual(['label', 'raw', 'topic']);
    expect(parseCommandArgs([], SPECS).flag('raw')).toBe(false);
  });

  it.for([
    [['-x'], 'unknown option -x'],
    [['--topics', 'a'], 'unknown option --topics'],
    [['--topic'], 'option --topic needs a value'],
    [['--raw=yes'], 'option --raw takes no value (it is a switch)'],
    [['--topic', '-r'], 'the value of --topic starts with "-"; write it as --topic=<value>'],
    [['stray'], 'unexpected argument "stray"'],
  ] as const)('refuses %j: %s', ([argv, message]) => {
    expect(() => parseCommandArgs(argv, SPECS)).toThrow(new UsageError(message));
  });

  it('allows as many positionals as the command asks for', () => {
    expect(parseCommandArgs(['a'], SPECS, 1).positionals).toEqual(['a']);
  });
});

describe('formatOptions', () => {
  it('prints short and long forms, the value name and repeatability, aligned', () => {
    expect(formatOptions(SPECS)).toBe(
      [
        '  -t, --topic <topic>  Topic.',
        '  -l, --label <value>  A label. Repeatable.',
        '  -r, --raw            Raw.',
      ].join('\n'),
    );
  });
});

describe('serveOptions', () => {
  it('derives one flag per config key, a --no- switch per boolean, and the short forms the sections declare', () => {
    const options = serveOptions();
    expect(options['limits-max-per-ip']).toMatchObject({ type: 'string' });
    expect(options['demo']).toMatchObject({ type: 'boolean' });
    expect(options['no-demo']).toMatchObject({ type: 'boolean' });
    expect(options['port']).toMatchObject({ short: 'p' });
    expect(options['host']).toMatchObject({ short: 'H' });
    expect(options['log-level']).toMatchObject({ short: 'l' });
    expect(options['config']).toMatchObject({ short: 'c' });
    expect(Object.keys(options)).toHaveLength(1 + SETTINGS.length + SETTINGS.filter((s) => s.type === 'bool').length);
  });

  it('refuses a short form two keys declare, naming both', () => {
    const port = SETTINGS.find((s) => s.key === 'port')!;
    expect(() => serveOptions([port, { ...port, key: 'other' }])).toThrow(
      'config key other: short flag -p is taken by --port',
    );
    expect(() => serveOptions([{ ...port, short: 'h' }])).toThrow('short flag -h is taken by --help');
  });
});

describe('fetch errors', () => {
  const refused = (address: string): Error =>
    Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });

  it('names the cause fetch hides behind "fetch failed"', () => {
    expect(networkCause(new TypeError('fetch failed', { cause: refused('127.0.0.1:8080') }))).toBe(
      'connect ECONNREFUSED 127.0.0.1:8080',
    );
  });

  it('lists every address tried when a name resolved to several', () => {
    const cause = new AggregateError([refused('::1:8080'), refused('127.0.0.1:8080')]);
    expect(networkCause(new TypeError('fetch failed', { cause }))).toBe(
      'connect ECONNREFUSED ::1:8080; connect ECONNREFUSED 127.0.0.1:8080',
    );
  });

  it('summarises an error body as status, code, field and message', () => {
    expect(httpFailure(400, '{"error":{"code":"invalid_filter","message":"bad matcher","field":"match[0]"}}')).toBe(
      'HTTP 400 invalid_filter (match[0]): bad matcher',
    );
    expect(httpFailure(502, '<html>bad gateway</html>\n')).toBe('HTTP 502 <html>bad gateway</html>');
    expect(httpFailure(503, '')).toBe('HTTP 503');
  });
});
