import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_MATCHER_INPUT_LENGTH,
  MAX_MATCHERS,
  MAX_REGEX_LENGTH,
  MatcherSyntaxError,
  compileMatchers,
  formatMatchers,
  parseMatchers,
  type MatchOp,
  type Matcher,
} from '../../../src/core/matchers.js';
import { RegexSyntaxError } from '../../../src/core/regex.js';

/** The parsed matchers without their `test` method, for `toEqual`. */
function terms(input: string): { name: string; op: MatchOp; value: string }[] {
  return parseMatchers(input).map(({ name, op, value }) => ({ name, op, value }));
}

/** Parses `input`, expecting it to fail, and returns the error. */
function syntaxError(input: string): MatcherSyntaxError {
  try {
    parseMatchers(input);
  } catch (err) {
    expect(err).toBeInstanceOf(MatcherSyntaxError);
    return err as MatcherSyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

/** The one matcher in `input`. */
function one(input: string): Matcher {
  const matchers = parseMatchers(input);
  expect(matchers).toHaveLength(1);
  return matchers[0]!;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

describe('parseMatchers', () => {
  describe('accepts', () => {
    it('a braced set of all four operators', () => {
      expect(terms('{severity="critical",team=~"db|infra",env!="dev",job!~"test.*"}')).toEqual([
        { name: 'severity', op: '=', value: 'critical' },
        { name: 'team', op: '=~', value: 'db|infra' },
        { name: 'env', op: '!=', value: 'dev' },
        { name: 'job', op: '!~', value: 'test.*' },
      ]);
    });

    it('a set without braces, as amtool does', () => {
      expect(terms('severity="critical", team=~"db"')).toEqual([
        { name: 'severity', op: '=', value: 'critical' },
        { name: 'team', op: '=~', value: 'db' },
      ]);
    });

    it('whitespace of any kind between every token', () => {
      expect(terms(' \t{ \n severity \t = \r\n "critical" , team\n!~\n"db"\t}\n ')).toEqual([
        { name: 'severity', op: '=', value: 'critical' },
        { name: 'team', op: '!~', value: 'db' },
      ]);
    });

    it('a trailing comma with and without braces', () => {
      expect(terms('{a="1",}')).toEqual([{ name: 'a', op: '=', value: '1' }]);
      expect(terms('{a="1" , }')).toEqual([{ name: 'a', op: '=', value: '1' }]);
      expect(terms('a="1",')).toEqual([{ name: 'a', op: '=', value: '1' }]);
    });

    it('empty braces and blank input as the empty set', () => {
      expect(parseMatchers('{}')).toEqual([]);
      expect(parseMatchers(' {  } ')).toEqual([]);
      expect(parseMatchers('')).toEqual([]);
      expect(parseMatchers('   ')).toEqual([]);
    });

    it('the escapes \\" \\\\ \\n \\t \\r and \\\' in double-quoted values', () => {
      expect(one(String.raw`a="q\"b\\n\nt\tr\rs\'"`).value).toBe('q"b\\n\nt\tr\rs\'');
    });

    it('single-quoted values, which may hold double quotes unescaped', () => {
      expect(one(String.raw`a='it\'s "fine"'`).value).toBe('it\'s "fine"');
    });

    it('unquoted values made of letters, digits and _ . : / -', () => {
      expect(terms('{severity=critical, url=~http://a-b_c.d:80/x}')).toEqual([
        { name: 'severity', op: '=', value: 'critical' },
        { name: 'url', op: '=~', value: 'http://a-b_c.d:80/x' },
      ]);
    });

    it('the empty string as a quoted value', () => {
      expect(terms(`{a="",b=''}`)).toEqual([
        { name: 'a', op: '=', value: '' },
        { name: 'b', op: '=', value: '' },
      ]);
    });

    it('operator characters and braces inside quoted values', () => {
      expect(one('a="=~!,{}"').value).toBe('=~!,{}');
    });

    it('any character, including raw newlines and non-ASCII, inside quoted values', () => {
      expect(one('a="ü\n😀"').value).toBe('ü\n😀');
    });

    it('label names with underscores and digits, up to 128 characters', () => {
      const long = `_${'a1'.repeat(63)}b`;
      expect(terms(`__name__="up",${long}="x"`).map((t) => t.name)).toEqual(['__name__', long]);
    });

    it('several matchers on the same label', () => {
      expect(terms('{a=~"x.*",a!="xy"}')).toHaveLength(2);
    });

    it(`exactly ${MAX_MATCHERS} matchers`, () => {
      const input = Array.from({ length: MAX_MATCHERS }, (_, i) => `l${i}="v"`).join(',');
      expect(parseMatchers(input)).toHaveLength(MAX_MATCHERS);
    });

    it(`input of exactly ${MAX_MATCHER_INPUT_LENGTH} characters`, () => {
      const input = `a="${'x'.repeat(MAX_MATCHER_INPUT_LENGTH - 4)}"`;
      expect(input).toHaveLength(MAX_MATCHER_INPUT_LENGTH);
      expect(parseMatchers(input)).toHaveLength(1);
    });

    it(`a regex of exactly ${MAX_REGEX_LENGTH} characters`, () => {
      expect(one(`a=~"${'x'.repeat(MAX_REGEX_LENGTH)}"`).value).toHaveLength(MAX_REGEX_LENGTH);
    });
  });

  describe('rejects', () => {
    it('a label name starting with a digit, naming it', () => {
      const err = syntaxError('{1abc="x"}');
      expect(err.message).toContain('invalid label name "1abc" at position 1');
      expect(err.position).toBe(1);
      expect(err.part).toBe('1abc');
    });

    it('a label name with a dash or a dot rather than reporting a missing operator', () => {
      expect(syntaxError('foo-bar="x"').message).toContain('invalid label name "foo-bar"');
      expect(syntaxError('a,b.c="x"').message).toMatch(/^expected '=', '!=', '=~' or '!~'/);
      expect(syntaxError('service.name="x"').message).toContain('invalid label name "service.name"');
    });

    it('a label name longer than 128 characters', () => {
      const err = syntaxError(`${'a'.repeat(129)}="x"`);
      expect(err.message).toMatch(/^invalid label name "a+…" at position 0/);
      expect(err.part.length).toBeLessThanOrEqual(24);
    });

    it('a missing operator, naming the label and the position', () => {
      const err = syntaxError('{severity="critical",team "db"}');
      expect(err.message).toBe(`expected '=', '!=', '=~' or '!~' after label name "team" at position 26, found "\\""`);
      expect(err.position).toBe(26);
      expect(err.part).toBe('"db"}');
    });

    it('a label name at the end of input', () => {
      const err = syntaxError('{team');
      expect(err.message).toContain('after label name "team" at position 5, found end of input');
      expect(err.position).toBe(5);
      expect(err.part).toBe('');
    });

    it('a lone "!" or "~" as an operator', () => {
      expect(syntaxError('a!"x"').position).toBe(1);
      expect(syntaxError('a~"x"').message).toContain('found "~"');
    });

    it('a missing value, suggesting "" for an empty one', () => {
      for (const input of ['a=', 'a=,b="c"', '{a=}', 'a= ']) {
        const err = syntaxError(input);
        expect(err.message).toContain(`expected a value for label "a" after '='`);
        expect(err.message).toContain('(write "" for an empty value)');
      }
      expect(syntaxError('{a=}').position).toBe(3);
    });

    it('a character outside the unquoted charset, asking to quote', () => {
      const err = syntaxError('team=~db|infra');
      expect(err.message).toBe('unexpected "|" in the unquoted value of label "team" at position 8; quote the value');
      expect(err.position).toBe(8);
      expect(err.part).toBe('|infra');
    });

    it('an unquoted value starting with a character outside its charset', () => {
      const err = syntaxError('a=*');
      expect(err.message).toContain('expected a value for label "a" after \'=\' at position 2');
    });

    it('an unterminated double-quoted string, pointing at its opening quote', () => {
      const err = syntaxError('{team=~"db|infra}');
      expect(err.message).toBe('unterminated string starting at position 7');
      expect(err.position).toBe(7);
      expect(err.part).toBe('"db|infra}');
    });

    it('an unterminated single-quoted string', () => {
      expect(syntaxError(`a='x"`).message).toBe('unterminated string starting at position 2');
    });

    it('a string whose closing quote is escaped', () => {
      expect(syntaxError('a="x\\"').message).toBe('unterminated string starting at position 2');
      expect(syntaxError('a="x\\').message).toBe('unterminated string starting at position 2');
    });

    it('an unknown escape, pointing at the backslash and explaining regex backslashes', () => {
      const err = syntaxError('{code=~"\\d+"}');
      expect(err.message).toContain("invalid escape sequence '\\d' at position 8");
      expect(err.message).toContain('write \\\\ for a backslash in a regex');
      expect(err.position).toBe(8);
      expect(err.part).toBe('\\d');
    });

    it('an escaped control character without breaking the message onto two lines', () => {
      expect(syntaxError('a="\\\n"').message).not.toContain('\n');
    });

    it('a regex that does not compile, naming it and the label', () => {
      const err = syntaxError('{team=~"("}');
      expect(err.message).toMatch(/^invalid regular expression "\(" for label "team": .+/);
      expect(err.message).not.toContain('^(?:');
      expect(err.position).toBe(7);
      expect(err.part).toBe('(');
      expect(err.cause).toBeInstanceOf(RegexSyntaxError);
    });

    it('an invalid regex under the !~ operator too', () => {
      expect(syntaxError('a!~"[z-a]"').message).toContain('invalid regular expression "[z-a]"');
    });

    it('a regex that would escape its anchoring group', () => {
      // Wrapped naively this would be ^(?:a)|(b)$, which matches "xb".
      expect(syntaxError('a=~"a)|(b"').message).toContain('invalid regular expression "a)|(b"');
    });

    it(`a regex longer than ${MAX_REGEX_LENGTH} characters`, () => {
      const err = syntaxError(`{a=~"${'x'.repeat(MAX_REGEX_LENGTH + 1)}"}`);
      expect(err.message).toBe('regular expression for label "a" is 1025 chars; max 1024');
      expect(err.position).toBe(4);
    });

    it(`input longer than ${MAX_MATCHER_INPUT_LENGTH} characters before parsing it`, () => {
      const err = syntaxError(`a="${'x'.repeat(MAX_MATCHER_INPUT_LENGTH)}"`);
      expect(err.message).toBe('matcher text is 4100 chars; max 4096');
      expect(err.position).toBe(MAX_MATCHER_INPUT_LENGTH);
    });

    it(`more than ${MAX_MATCHERS} matchers, pointing at the first one too many`, () => {
      const input = Array.from({ length: MAX_MATCHERS + 1 }, () => 'a="b"').join(',');
      const err = syntaxError(input);
      expect(err.message).toContain(`too many matchers: max ${MAX_MATCHERS}`);
      expect(err.position).toBe(MAX_MATCHERS * 6);
    });

    it("a missing '}', pointing at the end and naming the '{'", () => {
      const err = syntaxError('  {a="b"');
      expect(err.message).toBe("missing '}' to close the '{' at position 2");
      expect(err.position).toBe(8);
    });

    it("a '}' without '{'", () => {
      const err = syntaxError('a="b"}');
      expect(err.message).toBe("unexpected '}' at position 5: there is no '{' to close");
      expect(err.position).toBe(5);
    });

    it("text after the closing '}'", () => {
      const err = syntaxError('{a="b"} {c="d"}');
      expect(err.message).toBe(`unexpected "{" after '}' at position 8`);
      expect(err.position).toBe(8);
    });

    it('two matchers without a comma between them', () => {
      const err = syntaxError('{a="b" c="d"}');
      expect(err.message).toBe(`expected ',' or '}' after a matcher at position 7, found "c"`);
      expect(err.position).toBe(7);
      expect(syntaxError('a="b" c="d"').message).toBe(`expected ',' after a matcher at position 6, found "c"`);
    });

    it('a leading comma, a doubled comma and a lone comma', () => {
      expect(syntaxError('{,a="b"}').message).toBe('expected a label name at position 1, found ","');
      expect(syntaxError('a="b",,c="d"').position).toBe(6);
      expect(syntaxError('{,}').position).toBe(1);
    });

    it('nested braces', () => {
      expect(syntaxError('{{a="b"}}').message).toBe('expected a label name at position 1, found "{"');
    });

    it('a value that is not a string, with a TypeError', () => {
      expect(() => parseMatchers(undefined as unknown as string)).toThrow(TypeError);
      expect(() => parseMatchers(null as unknown as string)).toThrow('matchers must be a string, got null');
    });
  });

  it('throws errors that are Errors named MatcherSyntaxError', () => {
    const err = syntaxError('1="x"');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('MatcherSyntaxError');
  });
});

describe('Matcher.test', () => {
  it('compares equality exactly', () => {
    const m = one('a="Critical"');
    expect(m.test('Critical')).toBe(true);
    expect(m.test('critical')).toBe(false);
    expect(m.test('Critical ')).toBe(false);
  });

  it('negates with !=', () => {
    const m = one('a!="dev"');
    expect(m.test('dev')).toBe(false);
    expect(m.test('prod')).toBe(true);
    expect(m.test('')).toBe(true);
  });

  it('anchors a literal alternation at both ends', () => {
    const m = one('team=~"db|infra"');
    expect(['db', 'infra'].map((v) => m.test(v))).toEqual([true, true]);
    expect(['dbx', 'xdb', 'infra2', 'db|infra', ''].map((v) => m.test(v))).toEqual([false, false, false, false, false]);
  });

  it('anchors a real regex at both ends, around the whole alternation', () => {
    const m = one('code=~"5..|40[13]"');
    expect(['500', '503', '401', '403'].every((v) => m.test(v))).toBe(true);
    expect(['5000', '1500', '402', '4013', 'x401'].some((v) => m.test(v))).toBe(false);
  });

  it('lets "." match a newline, as Prometheus does', () => {
    expect(one('a=~"x.y"').test('x\ny')).toBe(true);
    expect(one('a=~".*"').test('multi\nline')).toBe(true);
  });

  it('treats .* as matching everything and .+ as matching any non-empty value', () => {
    const any = one('a=~".*"');
    const some = one('a=~".+"');
    expect([any.test(''), any.test('x')]).toEqual([true, true]);
    expect([some.test(''), some.test('x'), some.test('\n')]).toEqual([false, true, true]);
  });

  it('honours a leading (?i) as case-insensitive matching', () => {
    const m = one('severity=~"(?i)crit.*"');
    expect(m.test('CRITICAL')).toBe(true);
    expect(m.test('warning')).toBe(false);
    expect(m.value).toBe('(?i)crit.*');
  });

  it('negates regexes with !~', () => {
    const m = one('job!~"test-.*"');
    expect(m.test('test-api')).toBe(false);
    expect(m.test('api')).toBe(true);
    expect(m.test('my-test-api')).toBe(true);
  });

  it('matches a regex alternation containing an empty branch against the empty string', () => {
    const m = one('a=~"x|"');
    expect(m.test('')).toBe(true);
    expect(m.test('x')).toBe(true);
  });

  it('matches prefix.*, .*suffix and .*infix.* shapes by position', () => {
    expect(['prod-eu', 'prod-'].every((v) => one('env=~"prod-.*"').test(v))).toBe(true);
    expect(one('env=~"prod-.*"').test('preprod-eu')).toBe(false);
    // A '.' after the leading .* is still a wildcard, so this one goes to the regex engine.
    expect(one('host=~".*x.y"').test('ax-y')).toBe(true);
    expect(one('host=~".*-db"').test('eu-db')).toBe(true);
    expect(one('msg!~".*disk.*"').test('a disk is full')).toBe(false);
    expect(one('msg!~".*disk.*"').test('cpu')).toBe(true);
  });

  it('agrees with the anchored regex engine for prefix, suffix and infix shapes', () => {
    const plain = fc.string({
      unit: fc.constantFrom('a', 'b', '-', '/'),
      minLength: 1,
      maxLength: 3,
    });
    const shape = fc.oneof(
      plain.map((p) => `${p}.*`),
      plain.map((p) => `.*${p}`),
      plain.map((p) => `.*${p}.*`),
      plain.map((p) => `${p}.+`),
    );
    const value = fc.string({ unit: fc.constantFrom('a', 'b', '-', '/', '\n'), maxLength: 6 });
    fc.assert(
      fc.property(shape, value, (source, v) => {
        expect(one(`a=~"${source}"`).test(v)).toBe(new RegExp(`^(?:${source})$`, 's').test(v));
      }),
    );
  });

  it('agrees with the anchored regex engine for literal alternations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '-', ' ', '/'), maxLength: 3 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.string({ unit: fc.constantFrom('a', 'b', '-', ' ', '/', '|'), maxLength: 4 }),
        (alternatives, value) => {
          const source = alternatives.join('|');
          const m = one(`a=~"${source}"`);
          expect(m.test(value)).toBe(new RegExp(`^(?:${source})$`, 's').test(value));
        },
      ),
    );
  });
});

describe('compileMatchers', () => {
  it('matches every label set when there are no matchers', () => {
    const match = compileMatchers([]);
    expect(match({})).toBe(true);
    expect(match({ a: 'b' })).toBe(true);
  });

  it('requires every matcher to hold', () => {
    const match = compileMatchers(parseMatchers('{severity="critical",team=~"db|infra"}'));
    expect(match({ severity: 'critical', team: 'db' })).toBe(true);
    expect(match({ severity: 'critical', team: 'web' })).toBe(false);
    expect(match({ severity: 'warning', team: 'db' })).toBe(false);
    expect(match({ severity: 'critical' })).toBe(false);
  });

  it('treats a missing label as the empty string', () => {
    expect(compileMatchers(parseMatchers('env!="dev"'))({})).toBe(true);
    expect(compileMatchers(parseMatchers('env=""'))({})).toBe(true);
    expect(compileMatchers(parseMatchers('env=""'))({ env: 'x' })).toBe(false);
    expect(compileMatchers(parseMatchers('env=~".*"'))({})).toBe(true);
    expect(compileMatchers(parseMatchers('env=~".+"'))({})).toBe(false);
    expect(compileMatchers(parseMatchers('env!~".+"'))({})).toBe(true);
    expect(compileMatchers(parseMatchers('{a="1",env!="dev"}'))({ a: '1' })).toBe(true);
  });

  it('does not mistake inherited object members for labels', () => {
    expect(compileMatchers(parseMatchers('constructor=""'))({})).toBe(true);
    expect(compileMatchers(parseMatchers('{a="1",toString=~".+"}'))({ a: '1' })).toBe(false);
    expect(compileMatchers(parseMatchers('__proto__=""'))({})).toBe(true);
  });

  it('is unaffected by later changes to the array it was given', () => {
    const matchers = parseMatchers('a="1"');
    const match = compileMatchers(matchers);
    matchers.push(...parseMatchers('b="2"'));
    expect(match({ a: '1' })).toBe(true);
  });

  it('accepts matchers not made by parseMatchers', () => {
    const even: Matcher = {
      name: 'n',
      op: '=~',
      value: '[02468]',
      cost: 1,
      test: (v) => /^[02468]$/.test(v),
    };
    expect(compileMatchers([even])({ n: '4' })).toBe(true);
    expect(compileMatchers([even, even])({ n: '3' })).toBe(false);
  });
});

describe('formatMatchers', () => {
  it('writes the canonical form with braces and no spaces', () => {
    expect(formatMatchers(parseMatchers(" severity = critical , team =~ 'db|infra' ,"))).toBe(
      '{severity="critical",team=~"db|infra"}',
    );
  });

  it('writes the empty set as {}', () => {
    expect(formatMatchers([])).toBe('{}');
  });

  it('escapes quotes, backslashes and line breaks', () => {
    expect(formatMatchers(parseMatchers(String.raw`a="say \"hi\"\\\n\t\r"`))).toBe(
      String.raw`{a="say \"hi\"\\\n\t\r"}`,
    );
  });

  it('leaves single quotes and non-ASCII text as they are', () => {
    expect(formatMatchers(parseMatchers(`a="it's ü"`))).toBe(`{a="it's ü"}`);
  });

  it('round-trips through parseMatchers for any names, operators and values', () => {
    const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,15}$/);
    const literal = fc.record({
      name,
      op: fc.constantFrom<MatchOp>('=', '!='),
      value: fc.string({ unit: 'binary', maxLength: 30 }),
    });
    const regex = fc.record({
      name,
      op: fc.constantFrom<MatchOp>('=~', '!~'),
      value: fc
        .array(fc.string({ unit: 'binary', maxLength: 8 }), { minLength: 1, maxLength: 4 })
        .map((parts) => parts.map(escapeRegex).join('|')),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(literal, regex), { maxLength: 8 }), (expected) => {
        const text = formatMatchers(expected.map((t) => ({ ...t, test: () => true })));
        const parsed = parseMatchers(text);
        expect(parsed.map(({ name, op, value }) => ({ name, op, value }))).toEqual(expected);
        expect(formatMatchers(parsed)).toBe(text);
      }),
    );
  });

  it('produces text that matches the same label sets as the text it came from', () => {
    const inputs = ['a=b', "{a='x', b!~'y.*'}", 'code =~ 5.. , env != dev', '{msg=~"line\\none"}'];
    const samples: Record<string, string>[] = [
      {},
      { a: 'b' },
      { a: 'x', b: 'z' },
      { code: '503' },
      { msg: 'line\none' },
    ];
    for (const input of inputs) {
      const original = compileMatchers(parseMatchers(input));
      const reparsed = compileMatchers(parseMatchers(formatMatchers(parseMatchers(input))));
      for (const labels of samples) expect(reparsed(labels)).toBe(original(labels));
    }
  });

  it('is what a parsed matcher prints as a string', () => {
    expect(String(one('a=~"x\\"y"'))).toBe('a=~"x\\"y"');
  });
});
