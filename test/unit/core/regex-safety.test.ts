import { describe, expect, it } from 'vitest';
import { backtrackingRisk, MatcherSyntaxError, parseMatchers } from '../../../src/core/matchers.js';

describe('regex matchers refuse patterns that can backtrack exponentially', () => {
  it.each(['(a+)+b', '(x*y)*z', '(a{2,})+', '((ab)+c)*', '(?:a+)+'])('refuses %s', (source) => {
    expect(backtrackingRisk(source)).toMatch(/exponential/);
    expect(() => parseMatchers(`{x=~${JSON.stringify(source)}}`)).toThrow(MatcherSyntaxError);
  });

  it('refuses backreferences and lookaround, which RE2 (Prometheus) does not have', () => {
    expect(backtrackingRisk('(a)\\1')).toMatch(/backreferences/);
    expect(backtrackingRisk('foo(?=bar)')).toMatch(/lookaround/);
    expect(backtrackingRisk('(?<!x)y')).toMatch(/lookaround/);
  });

  it.each(['db|infra', '(a|b)*', '(?:ab)+c', 'prod-.*', '(api|web)-[0-9]+', '[(+]+', 'a\\(b+\\)+', '(foo)?bar'])(
    'accepts %s',
    (source) => {
      expect(backtrackingRisk(source)).toBeNull();
      expect(() => parseMatchers(`{x=~${JSON.stringify(source)}}`)).not.toThrow();
    },
  );

  it('names the label and the reason in the error', () => {
    expect(() => parseMatchers('{team=~"(a+)+"}')).toThrow(/label "team" is refused: a repeated group/);
  });
});
