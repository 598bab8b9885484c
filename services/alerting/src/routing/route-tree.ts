import { alertmanagerGroupKey, routeKey } from '../identity/group-key.js';
import { compileMatcher, matchesAll, type LabelMatcher, type Labels } from '../matching/label-matcher.js';
import type { GroupBy, RootRouteConfig, RouteConfig } from './alerting-config.js';

/** A route an alert was routed to, with its settings resolved through inheritance. */
export interface MatchedRoute {
  /** Stable path in the tree: '0' is the root, '0.1.0' the first child of the root's second child. */
  readonly id: string;
  /** Alertmanager's key for the route: the matchers from the root down, `{}/{severity="critical"}`. */
  readonly key: string;
  readonly receiver: string;
  readonly groupBy: GroupBy;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
}

/** A compiled node: matchers compiled once, settings already inherited. */
export interface RouteNode {
  readonly route: MatchedRoute;
  readonly matchers: readonly LabelMatcher[];
  readonly continue: boolean;
  readonly children: readonly RouteNode[];
}

/** The compiled routing tree; build it once per config with `compileRouteTree`. */
export interface RouteTree {
  readonly root: RouteNode;
}

type Settings = Omit<MatchedRoute, 'id' | 'key'>;

function compileNode(config: RouteConfig, id: string, parent: Settings, parentKey?: string): RouteNode {
  // As Alertmanager's NewRoute: start from the parent's options and override what this route sets.
  const settings: Settings = {
    receiver: config.receiver ?? parent.receiver,
    groupBy: config.groupBy ?? parent.groupBy,
    groupWaitMs: config.groupWaitMs ?? parent.groupWaitMs,
    groupIntervalMs: config.groupIntervalMs ?? parent.groupIntervalMs,
    repeatIntervalMs: config.repeatIntervalMs ?? parent.repeatIntervalMs,
  };
  const matchers = config.matchers.map((m) => compileMatcher(m));
  const key = routeKey(parentKey, matchers);
  return Object.freeze({
    route: Object.freeze({ id, key, ...settings }),
    matchers: Object.freeze(matchers),
    continue: config.continue,
    children: Object.freeze(config.routes.map((child, i) => compileNode(child, `${id}.${i}`, settings, key))),
  });
}

/** Compiles the routing tree of a loaded config (see `loadAlertingConfig`). */
export function compileRouteTree(root: RootRouteConfig): RouteTree {
  return Object.freeze({ root: compileNode(root, '0', root) });
}

function matchNode(node: RouteNode, labels: Labels): MatchedRoute[] {
  if (!matchesAll(node.matchers, labels)) return [];
  const all: MatchedRoute[] = [];
  for (const child of node.children) {
    const matches = matchNode(child, labels);
    all.push(...matches);
    // The first matching child ends the search unless it says `continue: true`.
    if (matches.length > 0 && !child.continue) break;
  }
  // No child took the alert: this node is the match.
  if (all.length === 0) all.push(node.route);
  return all;
}

/**
 * The routes an alert with `labels` goes to, in tree order, following Alertmanager: depth-first;
 * a route matches when all its matchers match; within a matching route, children are tried in
 * order and the first matching child stops the search unless it has `continue: true`; a route
 * none of whose children match is itself the result. The root matches every alert, so the
 * result is never empty.
 */
export function matchRoutes(tree: RouteTree, labels: Labels): MatchedRoute[] {
  return matchNode(tree.root, labels);
}

/**
 * The labels an alert is grouped by on `route`: the `group_by` labels it has (all its labels for
 * `'...'`). An empty value counts as absent, as label values do in Prometheus.
 */
export function groupLabels(route: MatchedRoute, labels: Labels): Labels {
  const out: Record<string, string> = {};
  const names = route.groupBy === 'all' ? Object.keys(labels) : route.groupBy;
  for (const name of [...names].sort()) {
    const value = labels[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

/** Alertmanager's key of a route by its id in the tree, if the tree has it. */
export function routeKeyById(tree: RouteTree, id: string): string | undefined {
  let node: RouteNode | undefined = tree.root;
  for (const i of id.split('.').slice(1)) node = node?.children[Number(i)];
  return node?.route.id === id ? node.route.key : undefined;
}

/**
 * The key of the aggregation group an alert joins on `route`, as Alertmanager makes it: the route
 * key and the group labels, `{}/{team="risk"}:{alertname="X", team="risk"}`. Notifications carry it
 * (webhook `groupKey`, PagerDuty `dedup_key` hashed). Two routes with the same matchers share it,
 * as in Alertmanager, which is why groups are stored by `groupId`.
 */
export function groupKey(route: MatchedRoute, labels: Labels): string {
  return alertmanagerGroupKey(route.key, groupLabels(route, labels));
}

/**
 * The id a group is stored under in Redis: the route's place in the tree and the sorted group
 * labels, e.g. `0.1:{alertname="HighDrift",model="fraud"}`, unique per route (unlike the group key)
 * and stable across restarts and releases.
 */
export function groupId(route: MatchedRoute, labels: Labels): string {
  const group = groupLabels(route, labels);
  const pairs = Object.keys(group)
    .sort()
    .map((name) => `${name}=${JSON.stringify(group[name])}`);
  return `${route.id}:{${pairs.join(',')}}`;
}
