/**
 * PromQL string literals, which follow Go's quoting rules: `"…"` and `'…'` with backslash escapes
 * (`\n`, `\x41`, `\101`, `\u00e9`, `\U0001F600`), and raw `` `…` `` without escapes. Decoding is
 * exact so that a label value means the same to livegate as to Prometheus; encoding always
 * produces a double-quoted literal Prometheus reads back to the same value.
 *
 * @module
 */

/** A string literal livegate cannot decode; `offset` is relative to the literal's first quote. */
export class StringLiteralError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'StringLiteralError';
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes one literal exactly as written (quotes included). Throws {@link StringLiteralError} for an
 * unterminated literal, an unknown escape, or bytes that are not UTF-8.
 */
export function decodeStringLiteral(literal: string): string {
  const quote = literal[0];
  if (quote !== '"' && quote !== "'" && quote !== '`') throw new StringLiteralError('not a string literal', 0);
  if (literal.length < 2 || literal[literal.length - 1] !== quote) {
    throw new StringLiteralError('unterminated string literal', 0);
  }
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\n') throw new StringLiteralError('newline in string literal', i + 1);
    if (ch === quote) throw new StringLiteralError('unescaped quote in string literal', i + 1);
    if (ch !== '\\') {
      const cp = body.codePointAt(i)!;
      if (cp > 0xffff) i++;
      bytes.push(...encoder.encode(String.fromCodePoint(cp)));
      continue;
    }
    const at = i + 1;
    const esc = body[++i];
    if (esc === undefined) throw new StringLiteralError('unterminated escape', at);
    if (esc === quote) {
      bytes.push(quote.charCodeAt(0));
    } else if (esc in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[esc]!);
    } else if (esc === 'x') {
      bytes.push(readDigits(body, i + 1, 2, 16, at));
      i += 2;
    } else if (esc >= '0' && esc <= '7') {
      const value = readDigits(body, i, 3, 8, at);
      if (value > 255) throw new StringLiteralError('octal escape above \\377', at);
      bytes.push(value);
      i += 2;
    } else if (esc === 'u' || esc === 'U') {
      const n = esc === 'u' ? 4 : 8;
      const cp = readDigits(body, i + 1, n, 16, at);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        throw new StringLiteralError('escape is not a valid Unicode code point', at);
      }
      bytes.push(...encoder.encode(String.fromCodePoint(cp)));
      i += n;
    } else {
      throw new StringLiteralError(`unknown escape sequence \\${esc}`, at);
    }
  }
  try {
    return utf8.decode(new Uint8Array(bytes));
  } catch (err) {
    throw new StringLiteralError(`string literal is not valid UTF-8 (${(err as Error).message})`, 0);
  }
}

function readDigits(body: string, start: number, count: number, radix: 8 | 16, at: number): number {
  const digits = body.slice(start, start + count);
  const pattern = radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
  if (digits.length !== count || !pattern.test(digits)) {
    throw new StringLiteralError(`escape needs ${count} ${radix === 16 ? 'hex' : 'octal'} digits`, at);
  }
  return parseInt(digits, radix);
}

/**
 * Encodes a value as a double-quoted PromQL literal: `\\`, `"` and control characters escaped,
 * everything else as UTF-8. Throws a `TypeError` for a lone UTF-16 surrogate, which no literal can
 * carry.
 */
export function encodeStringLiteral(value: string): string {
  if (LONE_SURROGATE.test(value)) throw new TypeError('string contains a lone UTF-16 surrogate');
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Whether `name` can be written as a bare label name (`[a-zA-Z_][a-zA-Z0-9_]*`). */
export function isBareLabelName(name: string): boolean {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name);
}
