/**
 * Command-line parsing on `node:util` `parseArgs`, strict: an unknown option, a missing value or a
 * stray argument is a {@link UsageError} (exit 2), never silently ignored. Each command declares its
 * options once in an {@link OptionSpecs} table; parsing and the help text are both derived from it.
 */
import { parseArgs } from 'node:util';

/** One option of a command. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** One-letter alias, e.g. `t` for `-t`. */
  readonly short?: string;
  /** Repeatable (`--label a=1 --label b=2`). Defaults to false. */
  readonly multiple?: boolean;
  /** Name of the value in the help, e.g. `topic` for `--topic <topic>`. Defaults to `value`. */
  readonly value?: string;
  /** One line of help. */
  readonly description: string;
}

/** A command's options by long name (without `--`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed command line. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  /** The last value of a string option. */
  string(name: string): string | undefined;
  /** Every value of a repeatable string option, in order. */
  strings(name: string): string[];
  /** Whether a boolean option was given. */
  flag(name: string): boolean;
  /** Long names of the options given, in no particular order. */
  given(): string[];
}

/** A usage error: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses `argv` against `specs`; `maxPositionals` positional words are allowed (default none). */
export function parseCommandArgs(argv: readonly string[], specs: OptionSpecs, maxPositionals = 0): ParsedArgs {
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(specs).map(([name, s]) => [
          name,
          { type: s.type, multiple: s.multiple ?? false, ...(s.short === undefined ? {} : { short: s.short }) },
        ]),
      ),
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(usageMessage(err as Error & { code?: string }));
  }
  if (parsed.positionals.length > maxPositionals)
    throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  const values = parsed.values;
  const all = (name: string): (string | boolean)[] => {
    const v = values[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  return {
    positionals: parsed.positionals,
    string: (name) => {
      const last = all(name).at(-1);
      return typeof last === 'string' ? last : undefined;
    },
    strings: (name) => all(name).filter((v): v is string => typeof v === 'string'),
    flag: (name) => all(name).includes(true),
    given: () => Object.keys(values).filter((name) => values[name] !== undefined),
  };
}

/** parseArgs' messages are long and suggest `--`; say what is wrong in a few words instead. */
function usageMessage(err: Error & { code?: string }): string {
  // "Option '-p, --port <value>' argument missing" → `--port`; "Unknown option '-x'" → `-x`.
  const option = /'(?:-[^-' ], )?(-{1,2}[^' ]+)/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? err.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(err.message)) return `option ${option ?? ''} needs a value`;
      if (/ambiguous/.test(err.message))
        return `the value of ${option ?? 'an option'} starts with "-"; write it as ${option ?? '--option'}=<value>`;
      return `option ${option ?? ''} takes no value (it is a switch)`;
    default:
      return err.message;
  }
}

/** The options part of a help text: `  -t, --topic <topic>  description`, aligned. */
export function formatOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const flags = `${s.short === undefined ? '    ' : `-${s.short}, `}--${name}${s.type === 'string' ? ` <${s.value ?? 'value'}>` : ''}`;
    return [flags, `${s.description}${s.multiple ? ' Repeatable.' : ''}`] as const;
  });
  const width = Math.max(...rows.map(([flags]) => flags.length)) + 2;
  return rows.map(([flags, text]) => `  ${flags.padEnd(width)}${text}`).join('\n');
}
