/**
 * Tenant scoping with prom-label-proxy's semantics: every vector and matrix selector of the parsed
 * query gets a matcher on the tenant label (`namespace` by default), so Prometheus itself only ever
 * reads the tenant's series. A matcher the user wrote on that label is never trusted:
 *
 * - `namespace="a"` with `a` in scope is kept (it is already narrower than the scope);
 * - `namespace="x"` with `x` outside the scope is refused;
 * - `!=`, `=~`, `!~` are kept and ANDed with the scope matcher, so they can only narrow it.
 *
 * Functions that write the tenant label into their output (`label_replace`/`label_join` with it as
 * destination, `count_values` with it as output label) and `info()`, which reads `target_info`
 * series the query does not name, are refused: their result could show series under a namespace
 * outside the scope. docs/tenancy.md explains each rule.
 *
 * @module
 */
import { LivegateError } from '../../errors.js';
import type { Expr, LabelMatcher, VectorSelectorNode } from './ast.js';

/** The namespaces one principal may read, and the label that carries them. */
export interface TenantScope {
  /** Label name holding the tenant (`metrics.tenantLabel`). Defaults to `namespace` in config. */
  readonly label: string;
  /** Allowed values of {@link TenantScope.label}; empty means no series at all. */
  readonly namespaces: readonly string[];
}

/** Canonical key of a scope for runner sharing: `namespace=a|b`, or `*` for no scope. */
export function scopeKey(scope: TenantScope | null): string {
  if (scope === null) return '*';
  return `${scope.label}=${[...new Set(scope.namespaces)].sort().join('|')}`;
}

/** Go's `regexp.QuoteMeta`: the value matched literally inside an RE2 pattern. */
export function quoteRegexMeta(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** The matcher added to every selector: `=` for one namespace, an anchored alternation otherwise. */
export function scopeMatcher(scope: TenantScope): LabelMatcher {
  const values = [...new Set(scope.namespaces)].sort();
  if (values.length === 1) return { name: scope.label, op: '=', value: values[0]! };
  return { name: scope.label, op: '=~', value: values.map(quoteRegexMeta).join('|') };
}

function refuse(message: string): never {
  throw new LivegateError('promql_forbidden', message, { field: 'query' });
}

/** Functions whose argument at `index` names a label they write into every output series. */
const LABEL_WRITERS: Readonly<Record<string, number>> = { label_replace: 1, label_join: 1 };

/**
 * Returns `expr` with every selector limited to `scope`. Throws `promql_forbidden` (403, field
 * `query`) when the query cannot be limited safely. Pure: `expr` is not modified.
 */
export function scopeQuery(expr: Expr, scope: TenantScope): Expr {
  if (scope.namespaces.length === 0 && hasSelector(expr)) {
    refuse(`no ${scope.label} is allowed for this principal, so no series may be read`);
  }
  const allowed = new Set(scope.namespaces);
  const injected = scope.namespaces.length > 0 ? scopeMatcher(scope) : null;

  const selector = (sel: VectorSelectorNode): VectorSelectorNode => {
    let pinned = false;
    for (const m of sel.matchers) {
      if (m.name !== scope.label || m.op !== '=') continue;
      if (!allowed.has(m.value)) {
        refuse(`${scope.label}=${JSON.stringify(m.value)} is outside the namespaces this principal may read`);
      }
      pinned = true;
    }
    if (pinned || injected === null) return sel;
    return { ...sel, matchers: [...sel.matchers, injected] };
  };

  const visit = (e: Expr): Expr => {
    switch (e.kind) {
      case 'vector':
        return selector(e);
      case 'matrix':
        return { ...e, selector: selector(e.selector) };
      case 'subquery':
      case 'offset':
      case 'at':
      case 'suffix':
      case 'unary':
        return { ...e, expr: visit(e.expr) };
      case 'call': {
        if (e.fn === 'info') {
          refuse('info() reads target_info series the query does not name, so it cannot be scoped');
        }
        const index = LABEL_WRITERS[e.fn];
        if (index !== undefined) checkWrittenLabel(e.fn, e.args[index], scope.label);
        return { ...e, args: e.args.map(visit) };
      }
      case 'aggregate':
        if (e.op === 'count_values') checkWrittenLabel('count_values', e.args[0], scope.label);
        return { ...e, args: e.args.map(visit) };
      case 'binary':
        return { ...e, lhs: visit(e.lhs), rhs: visit(e.rhs) };
      case 'number':
      case 'string':
        return e;
    }
  };
  return visit(expr);
}

function checkWrittenLabel(fn: string, arg: Expr | undefined, tenantLabel: string): void {
  if (arg?.kind !== 'string') refuse(`${fn}() needs a string literal as its label argument to be checked`);
  if (arg.value === tenantLabel) {
    refuse(`${fn}() may not write the ${tenantLabel} label: its output could claim another tenant's ${tenantLabel}`);
  }
}

function hasSelector(e: Expr): boolean {
  switch (e.kind) {
    case 'vector':
    case 'matrix':
      return true;
    case 'subquery':
    case 'offset':
    case 'at':
    case 'suffix':
    case 'unary':
      return hasSelector(e.expr);
    case 'call':
    case 'aggregate':
      return e.args.some(hasSelector);
    case 'binary':
      return hasSelector(e.lhs) || hasSelector(e.rhs);
    case 'number':
    case 'string':
      return false;
  }
}
