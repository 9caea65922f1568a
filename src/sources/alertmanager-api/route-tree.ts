/**
 * Alertmanager's routing tree, read from the configuration an Alertmanager reports in
 * `GET /api/v2/status` (`config.original`), to answer `/api/v2/alerts/groups` and the alerts'
 * `receivers` the way that Alertmanager would.
 *
 * Semantics of Alertmanager 0.25's `dispatch.Route`: a child inherits `receiver` and `group_by`
 * from its parent; an alert descends into the first matching child (and further siblings while a
 * matching child has `continue: true`); a route none of whose children match is itself the
 * destination. `group_by: ['...']` groups by every label. Matchers come from `matchers`
 * (Prometheus syntax), `match` (equality) and `match_re` (anchored regex).
 */
import { parse } from 'yaml';
import type { Labels } from '../../core/event.js';
import { compileMatchers, parseMatchers, type Matcher } from '../../core/matchers.js';

/** One node of the tree, with inheritance already applied. */
export interface RouteNode {
  readonly receiver: string;
  /** Label names to group by; `null` means every label (`...`). */
  readonly groupBy: readonly string[] | null;
  readonly continue: boolean;
  readonly matches: (labels: Labels) => boolean;
  readonly routes: readonly RouteNode[];
  /** Position in a depth-first walk, to tell apart routes with the same receiver. */
  readonly index: number;
}

/** The parts of an Alertmanager configuration livegate reads. */
export interface RoutingConfig {
  readonly root: RouteNode;
  /** Receiver names in configuration order. */
  readonly receivers: readonly string[];
}

/** Where an alert goes: one entry per matching route. */
export interface Destination {
  readonly route: RouteNode;
  /** The alert's group labels on that route. */
  readonly groupLabels: Labels;
}

/** Deepest routing tree accepted (Alertmanager configs are shallow; this bounds the recursion). */
const MAX_DEPTH = 32;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function escapeRegexValue(value: string): string {
  return value.replace(/[\\"]/g, (c) => `\\${c}`);
}

function routeMatchers(raw: Record<string, unknown>): Matcher[] {
  const matchers: Matcher[] = [];
  for (const text of stringList(raw['matchers'])) matchers.push(...parseMatchers(text));
  const terms: string[] = [];
  if (isRecord(raw['match']))
    for (const [name, value] of Object.entries(raw['match']))
      if (typeof value === 'string') terms.push(`${name}="${escapeRegexValue(value)}"`);
  if (isRecord(raw['match_re']))
    for (const [name, value] of Object.entries(raw['match_re']))
      if (typeof value === 'string') terms.push(`${name}=~"${escapeRegexValue(value)}"`);
  if (terms.length > 0) matchers.push(...parseMatchers(terms.join(',')));
  return matchers;
}

/**
 * Parses an Alertmanager configuration (YAML text). Throws a `TypeError` naming the problem when
 * it has no usable `route`.
 */
export function parseRoutingConfig(yamlText: string): RoutingConfig {
  const doc: unknown = parse(yamlText);
  if (!isRecord(doc) || !isRecord(doc['route'])) throw new TypeError('the configuration has no route');
  let counter = 0;
  const build = (raw: Record<string, unknown>, parent: RouteNode | undefined, depth: number): RouteNode => {
    if (depth > MAX_DEPTH) throw new TypeError(`the routing tree is deeper than ${MAX_DEPTH}`);
    const receiver = typeof raw['receiver'] === 'string' ? raw['receiver'] : (parent?.receiver ?? '');
    const groupByRaw = raw['group_by'];
    const groupBy =
      groupByRaw === undefined
        ? parent === undefined
          ? []
          : parent.groupBy
        : stringList(groupByRaw).includes('...')
          ? null
          : stringList(groupByRaw);
    const matches = compileMatchers(routeMatchers(raw));
    const node: { -readonly [K in keyof RouteNode]: RouteNode[K] } = {
      receiver,
      groupBy,
      continue: raw['continue'] === true,
      matches,
      routes: [],
      index: counter++,
    };
    node.routes = (Array.isArray(raw['routes']) ? raw['routes'] : [])
      .filter(isRecord)
      .map((child) => build(child, node, depth + 1));
    return node;
  };
  const root = build(doc['route'], undefined, 0);
  const receivers = (Array.isArray(doc['receivers']) ? doc['receivers'] : [])
    .filter(isRecord)
    .map((r) => r['name'])
    .filter((n): n is string => typeof n === 'string');
  return { root, receivers };
}

function matchRoute(node: RouteNode, labels: Labels, isRoot: boolean): RouteNode[] {
  // The root route matches every alert (Alertmanager refuses matchers on it).
  if (!isRoot && !node.matches(labels)) return [];
  const all: RouteNode[] = [];
  for (const child of node.routes) {
    const found = matchRoute(child, labels, false);
    all.push(...found);
    if (found.length > 0 && !child.continue) break;
  }
  return all.length > 0 ? all : [node];
}

/** The routes an alert with `labels` goes to, with its group labels on each. */
export function route(config: RoutingConfig, labels: Labels): Destination[] {
  return matchRoute(config.root, labels, true).map((node) => {
    const groupLabels: Record<string, string> = {};
    if (node.groupBy === null) Object.assign(groupLabels, labels);
    else for (const name of node.groupBy) if (labels[name] !== undefined) groupLabels[name] = labels[name];
    return { route: node, groupLabels };
  });
}
