/**
 * Parses PromQL with Prometheus' own grammar (`@prometheus-io/lezer-promql`) into livegate's
 * {@link Expr} tree. Lezer recovers from errors instead of failing, so every error node becomes a
 * `400 invalid_promql` naming its position; a few rules the grammar leaves loose and Prometheus'
 * parser enforces (ranges and `offset`/`@` only on selectors) are checked here too, because the
 * printer relies on them.
 *
 * @module
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { LivegateError } from '../../errors.js';
import type { Expr, Grouping, LabelMatcher, MatchOp, VectorMatching, VectorSelectorNode } from './ast.js';
import { decodeStringLiteral, StringLiteralError } from './string-literal.js';

/** Longest query accepted, in characters (the requirement's bound). */
export const MAX_QUERY_LENGTH = 1000;

/** A query that is not valid PromQL; `position` is a 0-based character offset into the query. */
export class PromqlSyntaxError extends LivegateError {
  readonly position: number;
  readonly line: number;
  readonly column: number;

  constructor(query: string, position: number, problem: string) {
    const before = query.slice(0, position);
    const line = before.split('\n').length;
    const column = position - (before.lastIndexOf('\n') + 1) + 1;
    super('invalid_promql', `syntax error at position ${position} (line ${line}, column ${column}): ${problem}`, {
      field: 'query',
    });
    this.name = 'PromqlSyntaxError';
    this.position = position;
    this.line = line;
    this.column = column;
  }
}

/**
 * Parses `query` into an {@link Expr}. Throws {@link PromqlSyntaxError} (`invalid_promql`, field
 * `query`) for an empty or too long query, a syntax error, an undecodable string literal, or a
 * range/offset/`@` applied to something Prometheus does not allow it on.
 */
export function parsePromql(query: string, maxLength = MAX_QUERY_LENGTH): Expr {
  if (query.length > maxLength) {
    throw new PromqlSyntaxError(query, maxLength, `query is longer than ${maxLength} characters`);
  }
  if (query.trim() === '') throw new PromqlSyntaxError(query, 0, 'query is empty');
  const tree = parser.parse(query);
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        throw new PromqlSyntaxError(query, node.from, describeUnexpected(query, node.from));
      }
    },
  });
  const exprs = exprChildren(tree.topNode);
  if (exprs.length !== 1) throw new PromqlSyntaxError(query, 0, 'expected one expression');
  return new Converter(query).expr(exprs[0]!);
}

function describeUnexpected(query: string, position: number): string {
  if (position >= query.length) return 'unexpected end of query';
  const token = /^\S+/.exec(query.slice(position))?.[0] ?? query[position]!;
  return `unexpected ${JSON.stringify(token.slice(0, 20))}`;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.type.name !== 'LineComment') out.push(c);
  return out;
}

function exprChildren(node: SyntaxNode): SyntaxNode[] {
  return children(node).filter((c) => c.type.is('Expr'));
}

const POSTFIX_TARGETS = new Set<Expr['kind']>(['vector', 'matrix', 'subquery', 'offset', 'at']);

class Converter {
  /** Nodes the user wrapped in parentheses: postfix operators do not reach inside them. */
  private readonly parenthesized = new WeakSet<Expr>();

  constructor(private readonly query: string) {}

  private fail(node: SyntaxNode, problem: string): never {
    throw new PromqlSyntaxError(this.query, node.from, problem);
  }

  /** Source text of `node` without whitespace and comments (durations, numbers). */
  private compact(node: SyntaxNode): string {
    let text = '';
    let pos = node.from;
    node.toTree().iterate({
      enter: (n) => {
        if (n.type.name === 'LineComment') {
          text += this.query.slice(pos, node.from + n.from);
          pos = node.from + n.to;
        }
      },
    });
    text += this.query.slice(pos, node.to);
    return text.replace(/\s+/g, '');
  }

  private text(node: SyntaxNode): string {
    return this.query.slice(node.from, node.to);
  }

  private string(node: SyntaxNode): string {
    try {
      return decodeStringLiteral(this.text(node));
    } catch (err) {
      if (err instanceof StringLiteralError) {
        throw new PromqlSyntaxError(this.query, node.from + err.offset, err.message);
      }
      throw err;
    }
  }

  private child(node: SyntaxNode, name: string): SyntaxNode {
    const found = node.getChild(name);
    if (!found) this.fail(node, `expected ${name}`);
    return found;
  }

  expr(node: SyntaxNode): Expr {
    switch (node.type.name) {
      case 'ParenExpr': {
        const inner = this.expr(this.single(node));
        this.parenthesized.add(inner);
        return inner;
      }
      case 'VectorSelector':
        return this.vectorSelector(node);
      case 'MatrixSelector': {
        const range = this.compact(this.child(node, 'DurationExpr'));
        return this.postfix(node, (e) => {
          if (e.kind !== 'vector' || this.parenthesized.has(e)) {
            this.fail(node, 'a range [..] is only allowed on a vector selector; use a subquery [range:step]');
          }
          return { kind: 'matrix', selector: e, range };
        });
      }
      case 'SubqueryExpr': {
        const durations = node.getChildren('DurationExpr');
        const range = this.compact(durations[0] ?? this.fail(node, 'expected a subquery range'));
        const step = durations[1] ? this.compact(durations[1]) : null;
        return this.postfix(node, (e) => ({ kind: 'subquery', expr: e, range, step }));
      }
      case 'OffsetExpr': {
        const offset = this.compact(this.child(node, 'OffsetDurationExpr'));
        return this.postfix(node, (e) => ({ kind: 'offset', expr: this.modifierTarget(node, e, 'offset'), offset }));
      }
      case 'StepInvariantExpr': {
        const pre = node.getChild('AtModifierPreprocessors');
        const at = pre ? `${this.text(pre).toLowerCase()}()` : this.compact(this.child(node, 'NumberDurationLiteral'));
        return this.postfix(node, (e) => ({ kind: 'at', expr: this.modifierTarget(node, e, 'at'), at }));
      }
      case 'AnchoredExpr':
      case 'SmoothedExpr': {
        const keyword = node.type.name === 'AnchoredExpr' ? 'anchored' : 'smoothed';
        return this.postfix(node, (e) => ({ kind: 'suffix', expr: e, keyword }));
      }
      case 'FunctionCall':
        return {
          kind: 'call',
          fn: this.text(this.child(node, 'FunctionIdentifier')),
          args: exprChildren(this.child(node, 'FunctionCallBody')).map((c) => this.expr(c)),
        };
      case 'AggregateExpr': {
        const modifier = node.getChild('AggregateModifier');
        let grouping: Grouping | null = null;
        if (modifier) {
          grouping = {
            mode: modifier.getChild('By') ? 'by' : 'without',
            labels: this.groupingLabels(this.child(modifier, 'GroupingLabels')),
          };
        }
        return {
          kind: 'aggregate',
          op: this.text(this.child(node, 'AggregateOp')).toLowerCase(),
          grouping,
          args: exprChildren(this.child(node, 'FunctionCallBody')).map((c) => this.expr(c)),
        };
      }
      case 'BinaryExpr':
        return this.binary(node);
      case 'UnaryExpr': {
        const op = this.text(this.child(node, 'UnaryOp'));
        return { kind: 'unary', op: op === '-' ? '-' : '+', expr: this.expr(this.single(node)) };
      }
      case 'NumberDurationLiteral':
        return { kind: 'number', text: this.compact(node) };
      case 'StringLiteral':
        return { kind: 'string', value: this.string(node) };
      default:
        return this.fail(node, `unsupported expression ${node.type.name}`);
    }
  }

  private single(node: SyntaxNode): SyntaxNode {
    const exprs = exprChildren(node);
    if (exprs.length !== 1) this.fail(node, 'expected one expression');
    return exprs[0]!;
  }

  /**
   * Lezer's grammar lets `offset`, `@`, `[range]` and `[range:step]` wrap a whole binary or unary
   * expression (`a + b offset 5m`); Prometheus binds them to the nearest operand (`a + (b offset
   * 5m)`). Re-associate so the tree means what Prometheus would run.
   */
  private postfix(node: SyntaxNode, build: (inner: Expr) => Expr): Expr {
    const apply = (e: Expr): Expr => {
      if (!this.parenthesized.has(e)) {
        if (e.kind === 'binary') return { ...e, rhs: apply(e.rhs) };
        if (e.kind === 'unary') return { ...e, expr: apply(e.expr) };
      }
      return build(e);
    };
    // The operand comes first; `@ 100` also holds a number literal, which is not the operand.
    const target = exprChildren(node)[0] ?? this.fail(node, 'expected an expression');
    return apply(this.expr(target));
  }

  private modifierTarget(node: SyntaxNode, e: Expr, kind: 'offset' | 'at'): Expr {
    const word = kind === 'offset' ? 'offset' : '@';
    if (!POSTFIX_TARGETS.has(e.kind) || this.parenthesized.has(e)) {
      this.fail(node, `${word} is only allowed on a vector selector, a range selector or a subquery`);
    }
    for (let inner: Expr = e; inner.kind === 'offset' || inner.kind === 'at'; inner = inner.expr) {
      if (inner.kind === kind) this.fail(node, `${word} may not be set more than once`);
    }
    return e;
  }

  private vectorSelector(node: SyntaxNode): VectorSelectorNode {
    const ident = node.getChild('Identifier');
    const matchers: LabelMatcher[] = [];
    const block = node.getChild('LabelMatchers');
    if (block) {
      for (const m of children(block)) {
        if (m.type.name === 'QuotedLabelName') {
          matchers.push({ name: '__name__', op: '=', value: this.string(this.child(m, 'StringLiteral')) });
          continue;
        }
        const nameNode =
          m.type.name === 'UnquotedLabelMatcher' ? this.child(m, 'LabelName') : this.child(m, 'QuotedLabelName');
        const name = nameNode.type.name === 'LabelName' ? this.text(nameNode) : this.string(nameNode.firstChild!);
        const op = this.text(this.child(m, 'MatchOp')) as MatchOp;
        const literals = m.getChildren('StringLiteral');
        const valueNode = literals[literals.length - 1] ?? this.fail(m, 'expected a label value');
        matchers.push({ name, op, value: this.string(valueNode) });
      }
    }
    if (!ident && matchers.length === 0) this.fail(node, 'a vector selector needs a metric name or a matcher');
    return { kind: 'vector', metric: ident ? this.text(ident) : null, matchers };
  }

  private groupingLabels(node: SyntaxNode): string[] {
    const labels = children(node).map((c) =>
      c.type.name === 'QuotedLabelName' ? this.string(c.firstChild!) : this.text(c),
    );
    return labels.sort();
  }

  private binary(node: SyntaxNode): Expr {
    const parts = children(node);
    const exprs = parts.filter((c) => c.type.is('Expr'));
    if (exprs.length !== 2) this.fail(node, 'expected two operands');
    const [lhsNode, rhsNode] = exprs as [SyntaxNode, SyntaxNode];
    const opNode = parts.find((c) => c.from >= lhsNode.to && c.to <= rhsNode.from && !c.type.is('Expr'));
    if (!opNode) this.fail(node, 'expected an operator');
    const op = /^[a-z0-9]+$/i.test(this.text(opNode)) ? this.text(opNode).toLowerCase() : this.text(opNode);
    let matching: VectorMatching | null = null;
    const clause = node.getChild('MatchingModifierClause');
    if (clause) {
      const lists = clause.getChildren('GroupingLabels');
      const side = clause.getChild('GroupLeft') ? 'group_left' : clause.getChild('GroupRight') ? 'group_right' : null;
      matching = {
        mode: clause.getChild('On') ? 'on' : 'ignoring',
        labels: lists[0] ? this.groupingLabels(lists[0]) : [],
        group: side === null ? null : { side, labels: lists[1] ? this.groupingLabels(lists[1]) : [] },
      };
    }
    const fillNode = node.getChild('FillModifier');
    return {
      kind: 'binary',
      op,
      lhs: this.expr(lhsNode),
      rhs: this.expr(rhsNode),
      bool: node.getChild('BoolModifier') !== null,
      matching,
      fill: fillNode
        ? children(fillNode)
            .map((c) => this.compact(c))
            .join(' ')
        : null,
    };
  }
}
