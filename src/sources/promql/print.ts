/**
 * Prints an {@link Expr} as PromQL in one canonical form: single spaces, label matchers and
 * grouping labels sorted, every string double-quoted, keywords in lower case, parentheses exactly
 * where an operand is itself an operator expression. Two queries that differ only in spacing,
 * comments, quoting, matcher order or redundant parentheses print the same, which is what lets
 * their viewers share one runner. The output is also what is sent to Prometheus.
 *
 * @module
 */
import type { Expr, LabelMatcher, VectorMatching, VectorSelectorNode } from './ast.js';
import { encodeStringLiteral, isBareLabelName } from './string-literal.js';

/** Canonical PromQL text of `expr`. */
export function printPromql(expr: Expr): string {
  switch (expr.kind) {
    case 'vector':
      return printSelector(expr);
    case 'matrix':
      return `${printSelector(expr.selector)}[${expr.range}]`;
    case 'subquery':
      return `${operand(expr.expr)}[${expr.range}:${expr.step ?? ''}]`;
    case 'offset':
      return `${operand(expr.expr)} offset ${expr.offset}`;
    case 'at':
      return `${operand(expr.expr)} @ ${expr.at}`;
    case 'suffix':
      return `${operand(expr.expr)} ${expr.keyword}`;
    case 'call':
      return `${expr.fn}(${expr.args.map(printPromql).join(', ')})`;
    case 'aggregate': {
      const grouping = expr.grouping ? ` ${expr.grouping.mode} (${expr.grouping.labels.map(label).join(', ')}) ` : '';
      return `${expr.op}${grouping}(${expr.args.map(printPromql).join(', ')})`;
    }
    case 'binary': {
      const modifiers = [
        expr.bool ? 'bool' : '',
        expr.matching ? printMatching(expr.matching) : '',
        expr.fill ?? '',
      ].filter((m) => m !== '');
      return [operand(expr.lhs), expr.op, ...modifiers, operand(expr.rhs)].join(' ');
    }
    case 'unary':
      return `${expr.op}${operand(expr.expr)}`;
    case 'number':
      return expr.text;
    case 'string':
      return encodeStringLiteral(expr.value);
  }
}

/** Operator expressions as operands get parentheses, so precedence never depends on the reader. */
function operand(expr: Expr): string {
  const text = printPromql(expr);
  return expr.kind === 'binary' || expr.kind === 'unary' ? `(${text})` : text;
}

function label(name: string): string {
  return isBareLabelName(name) ? name : encodeStringLiteral(name);
}

/** Sorted by name, operator, value: `{b="1",a="2"}` and `{a="2",b="1"}` are one selector. */
export function sortMatchers(matchers: readonly LabelMatcher[]): LabelMatcher[] {
  const key = (m: LabelMatcher) => `${m.name}\u0000${m.op}\u0000${m.value}`;
  return [...matchers].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function printSelector(sel: VectorSelectorNode): string {
  const matchers = sortMatchers(sel.matchers).map((m) => `${label(m.name)}${m.op}${encodeStringLiteral(m.value)}`);
  const block = matchers.length > 0 || sel.metric === null ? `{${matchers.join(', ')}}` : '';
  return `${sel.metric ?? ''}${block}`;
}

function printMatching(m: VectorMatching): string {
  const base = `${m.mode} (${m.labels.map(label).join(', ')})`;
  return m.group ? `${base} ${m.group.side} (${m.group.labels.map(label).join(', ')})` : base;
}
