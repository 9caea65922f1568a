import { describe, expect, it } from 'vitest';
import { MatcherSyntaxError, formatMatchers, parseMatcherTerms } from '../src/index.js';

describe('parseMatcherTerms', () => {
  it('reads terms with the position of each value', () => {
    expect(parseMatcherTerms('{severity="critical", team=~\'db|infra\',env!=dev}')).toEqual([
      { name: 'severity', op: '=', value: 'critical', valueAt: 10 },
      { name: 'team', op: '=~', value: 'db|infra', valueAt: 28 },
      { name: 'env', op: '!=', value: 'dev', valueAt: 44 },
    ]);
  });

  it('calls build for each term in input order, so build errors and syntax errors keep that order', () => {
    const seen: string[] = [];
    expect(() =>
      parseMatcherTerms('a="1",b="2",c=', (term) => {
        seen.push(term.name);
        if (term.name === 'b') throw new Error('b refused');
        return term;
      }),
    ).toThrow('b refused');
    expect(seen).toEqual(['a', 'b']);
  });

  it('refuses bad syntax with a position and the offending part', () => {
    try {
      parseMatcherTerms('{1abc="x"}');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MatcherSyntaxError);
      expect((err as MatcherSyntaxError).position).toBe(1);
      expect((err as MatcherSyntaxError).part).toBe('1abc');
      expect((err as Error).message).toMatch(/^invalid label name "1abc" at position 1: /);
    }
  });

  it('does not judge regex sources: that is the engine of whoever compiles the terms', () => {
    expect(parseMatcherTerms('a=~"(unclosed"')).toEqual([{ name: 'a', op: '=~', value: '(unclosed', valueAt: 3 }]);
  });

  it('formats terms canonically and reads the result back unchanged', () => {
    const text = formatMatchers(parseMatcherTerms('b = \'x"y\\n\' , a!~ "z.*"'));
    expect(text).toBe('{b="x\\"y\\n",a!~"z.*"}');
    expect(formatMatchers(parseMatcherTerms(text))).toBe(text);
  });
});
