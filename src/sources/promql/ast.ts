/**
 * The PromQL syntax tree livegate works on: built from `@prometheus-io/lezer-promql`'s concrete
 * tree by {@link parsePromql}, rewritten by the tenancy injector, printed by {@link printPromql}.
 * Parentheses are not nodes: the printer adds them wherever precedence needs them, so `a+b*c` and
 * `a + (b * c)` are the same tree.
 *
 * @module
 */

/** Label matcher operators. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One label matcher inside `{…}`; `name` and `value` are decoded (no quotes, no escapes). */
export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

/** `up{job="x"}` or `{__name__=~".+"}`. `metric` is the bare identifier, if one was written. */
export interface VectorSelectorNode {
  readonly kind: 'vector';
  readonly metric: string | null;
  readonly matchers: readonly LabelMatcher[];
}

/** `up[5m]`. `range` is the duration text without whitespace (e.g. `5m`, `1h30m`, `5m+1m`). */
export interface MatrixSelectorNode {
  readonly kind: 'matrix';
  readonly selector: VectorSelectorNode;
  readonly range: string;
}

/** `expr[5m:1m]`; `step` is `null` for `[5m:]`. */
export interface SubqueryNode {
  readonly kind: 'subquery';
  readonly expr: Expr;
  readonly range: string;
  readonly step: string | null;
}

/** `expr offset 5m` (`offset` may carry a sign: `-5m`). */
export interface OffsetNode {
  readonly kind: 'offset';
  readonly expr: Expr;
  readonly offset: string;
}

/** `expr @ 1700000000`, `expr @ start()`, `expr @ end()`. */
export interface AtNode {
  readonly kind: 'at';
  readonly expr: Expr;
  readonly at: string;
}

/** Experimental suffix modifiers of Prometheus 3 (`expr anchored`, `expr smoothed`). */
export interface SuffixNode {
  readonly kind: 'suffix';
  readonly expr: Expr;
  readonly keyword: 'anchored' | 'smoothed';
}

/** `rate(x[5m])`. */
export interface CallNode {
  readonly kind: 'call';
  readonly fn: string;
  readonly args: readonly Expr[];
}

/** `by (a, b)` / `without (a)`; `labels` sorted (order does not change the result). */
export interface Grouping {
  readonly mode: 'by' | 'without';
  readonly labels: readonly string[];
}

/** `sum by (job) (x)`, `topk(5, x)`. `op` is lower case. */
export interface AggregateNode {
  readonly kind: 'aggregate';
  readonly op: string;
  readonly grouping: Grouping | null;
  readonly args: readonly Expr[];
}

/** `on (a) group_left (b)`. */
export interface VectorMatching {
  readonly mode: 'on' | 'ignoring';
  readonly labels: readonly string[];
  readonly group: { readonly side: 'group_left' | 'group_right'; readonly labels: readonly string[] } | null;
}

/** `a + on (x) b`. `op` is the operator as written, keywords in lower case (`and`, `atan2`). */
export interface BinaryNode {
  readonly kind: 'binary';
  readonly op: string;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly bool: boolean;
  readonly matching: VectorMatching | null;
  /** Prometheus 3 fill modifiers, printed as written without whitespace (`fill(0)`), or `null`. */
  readonly fill: string | null;
}

/** `-x`, `+x`. */
export interface UnaryNode {
  readonly kind: 'unary';
  readonly op: '-' | '+';
  readonly expr: Expr;
}

/** A number literal as written (sign included, whitespace removed): `1`, `-2.5e3`, `0x1f`, `Inf`. */
export interface NumberNode {
  readonly kind: 'number';
  readonly text: string;
}

/** A string literal, decoded. */
export interface StringNode {
  readonly kind: 'string';
  readonly value: string;
}

/** Any PromQL expression. */
export type Expr =
  | VectorSelectorNode
  | MatrixSelectorNode
  | SubqueryNode
  | OffsetNode
  | AtNode
  | SuffixNode
  | CallNode
  | AggregateNode
  | BinaryNode
  | UnaryNode
  | NumberNode
  | StringNode;
