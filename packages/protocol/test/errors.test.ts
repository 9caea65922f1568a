import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, ERROR_CODES, WS_CLOSE, isErrorCode } from '../src/index.js';

const apiDoc = new URL('../../../docs/api.md', import.meta.url);

/** Rows of the error table in docs/api.md: code → [HTTP, close, retryable]. */
async function documentedErrors(): Promise<Map<string, [string, string, string]>> {
  const text = await readFile(apiDoc, 'utf8');
  const section = text.slice(text.indexOf('## Error catalogue'));
  const rows = new Map<string, [string, string, string]>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z_]+)` +\| (\d{3}) +\| (\S+) +\| (yes|no) +\|/.exec(line);
    if (m !== null) rows.set(m[1]!, [m[2]!, m[3]!, m[4]!]);
  }
  return rows;
}

describe('the error catalogue', () => {
  it('is documented in docs/api.md with the same status, close code and retry flag', async () => {
    const rows = await documentedErrors();
    const expected = new Map(
      ERROR_CODES.map((code) => {
        const spec: { status: number; closeCode?: number; retry: boolean } = ERROR_CATALOGUE[code];
        return [
          code,
          [String(spec.status), spec.closeCode === undefined ? '—' : String(spec.closeCode), spec.retry ? 'yes' : 'no'],
        ];
      }),
    );
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(expected));
  });

  it('uses only close codes that WS_CLOSE names', () => {
    const named = new Set<number>(Object.values(WS_CLOSE));
    for (const code of ERROR_CODES) {
      const close = (ERROR_CATALOGUE[code] as { closeCode?: number }).closeCode;
      if (close !== undefined) expect(named.has(close), code).toBe(true);
    }
  });

  it('tells catalogue codes from anything else, inherited members included', () => {
    expect(isErrorCode('slow_consumer')).toBe(true);
    expect(isErrorCode('constructor')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});
