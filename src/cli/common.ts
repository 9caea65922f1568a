/** Options and defaults shared by the client commands (`publish`, `tail`). */
import { UsageError, type OptionSpecs, type ParsedArgs } from './args.js';

/** Where the client commands connect when neither `--url` nor `LIVEGATE_URL` says otherwise. */
export const DEFAULT_URL = 'http://localhost:8080';

/** `--url` and `--token`. */
export const CONNECTION_OPTIONS = {
  url: {
    type: 'string',
    short: 'u',
    value: 'url',
    description: `Server base URL. Defaults to $LIVEGATE_URL, else ${DEFAULT_URL}.`,
  },
  token: {
    type: 'string',
    value: 'token',
    description: 'Bearer token (publisher key, JWT or admin token). Defaults to $LIVEGATE_TOKEN.',
  },
} as const satisfies OptionSpecs;

/** The base URL without a trailing slash, and the token, from flags then env. */
export function connection(args: ParsedArgs): { base: string; token: string | undefined } {
  const base = (args.string('url') ?? (process.env['LIVEGATE_URL'] || DEFAULT_URL)).replace(/\/+$/, '');
  let protocol = '';
  try {
    protocol = new URL(base).protocol;
  } catch {
    // Reported below.
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new UsageError(`--url (or LIVEGATE_URL) must be an http:// or https:// URL, got "${base}"`);
  return { base, token: args.string('token') ?? (process.env['LIVEGATE_TOKEN'] || undefined) };
}
