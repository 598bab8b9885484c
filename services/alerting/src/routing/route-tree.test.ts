import { describe, expect, it } from 'vitest';
import { loadAlertingConfig } from './alerting-config.js';
import { compileRouteTree, groupId, groupKey, groupLabels, matchRoutes, routeKeyById, type MatchedRoute } from './route-tree.js';

const receiverNames = ['def', 'A', 'testing', 'prodA', 'prodB', 'BC', 'oncall', 'fraud', 'pagerduty', 'heartbeat'];
const receivers = receiverNames.map((name) => `  - { name: ${name}, webhook_configs: [{ url: "http://127.0.0.1:9/${name}" }] }`).join('\n');

function treeOf(routeYaml: string) {
  const config = loadAlertingConfig({ yaml: `${routeYaml}\nreceivers:\n${receivers}\n` }, {});
  return compileRouteTree(config.route);
}

const summary = (routes: MatchedRoute[]) => routes.map((r) => `${r.id}:${r.receiver}`);

// The tree of Alertmanager's own routing tests (dispatch/route_test.go), in our file format.
const alertmanagerTree = treeOf(`
route:
  receiver: def
  group_by: [alertname]
  routes:
    - matchers: ['owner="team-A"']
      receiver: A
      routes:
        - matchers: ['env="testing"']
          receiver: testing
          group_by: ['...']
        - matchers: ['env="production"']
          receiver: prodA
          group_wait: 1m
          continue: true
        - matchers: ['env=~"produ.*"', 'job=~".*"']
          receiver: prodB
          group_wait: 30s
          group_interval: 5m
          repeat_interval: 1h
          group_by: [job]
    - matchers: ['owner=~"team-(B|C)"']
      group_by: [foo, bar]
      group_wait: 2m
      receiver: BC
    - matchers: ['group_by="role"']
      group_by: [role]
      routes:
        - matchers: ['env="testing"']
          receiver: testing
          routes:
            - matchers: ['wait="long"']
              group_wait: 2m
`);

describe('matchRoutes (Alertmanager routing algorithm)', () => {
  it('falls back to the root, which matches every alert', () => {
    expect(matchRoutes(alertmanagerTree, { owner: 'team-X' })).toEqual([
      {
        id: '0',
        key: '{}',
        receiver: 'def',
        groupBy: ['alertname'],
        groupWaitMs: 30_000,
        groupIntervalMs: 300_000,
        repeatIntervalMs: 14_400_000,
      },
    ]);
    expect(summary(matchRoutes(alertmanagerTree, {}))).toEqual(['0:def']);
  });

  it('returns the matching parent itself when none of its children matches', () => {
    expect(matchRoutes(alertmanagerTree, { owner: 'team-A' })).toEqual([
      {
        id: '0.0',
        key: '{}/{owner="team-A"}',
        receiver: 'A',
        groupBy: ['alertname'],
        groupWaitMs: 30_000,
        groupIntervalMs: 300_000,
        repeatIntervalMs: 14_400_000,
      },
    ]);
  });

  it('stops at the first matching child', () => {
    // team-B matches only 0.1; an alert matching 0.1 and 0.2 still only gets 0.1.
    expect(summary(matchRoutes(alertmanagerTree, { owner: 'team-B', group_by: 'role' }))).toEqual(['0.1:BC']);
    // env=testing matches 0.0.0 first (0.0.2's env regex does not match "testing").
    expect(summary(matchRoutes(alertmanagerTree, { owner: 'team-A', env: 'testing' }))).toEqual(['0.0.0:testing']);
  });

  it('goes on to the following siblings after a match with continue: true', () => {
    const routes = matchRoutes(alertmanagerTree, { owner: 'team-A', env: 'production' });
    expect(summary(routes)).toEqual(['0.0.1:prodA', '0.0.2:prodB']);
    expect(routes[0]).toMatchObject({ groupWaitMs: 60_000, groupBy: ['alertname'] });
    expect(routes[1]).toMatchObject({ groupWaitMs: 30_000, repeatIntervalMs: 3_600_000, groupBy: ['job'] });
  });

  it('ignores continue on a child that did not match, and stops at the next match without continue', () => {
    const tree = treeOf(`
route:
  receiver: def
  routes:
    - { matchers: ['a="1"'], receiver: A, continue: true }
    - { matchers: ['b="1"'], receiver: BC, continue: true }
    - { matchers: ['c="1"'], receiver: testing }
    - { matchers: ['d="1"'], receiver: prodA }
`);
    expect(summary(matchRoutes(tree, { a: '1', c: '1', d: '1' }))).toEqual(['0.0:A', '0.2:testing']);
    expect(summary(matchRoutes(tree, { a: '1', b: '1', d: '1' }))).toEqual(['0.0:A', '0.1:BC', '0.3:prodA']);
    // A continue child that matched means the parent is no longer a result, even if nothing else matches.
    expect(summary(matchRoutes(tree, { a: '1' }))).toEqual(['0.0:A']);
  });

  it('inherits receiver, group_by and timers from the nearest ancestor that sets them', () => {
    const [route] = matchRoutes(alertmanagerTree, { group_by: 'role', env: 'testing', wait: 'long' });
    expect(route).toEqual({
      id: '0.2.0.0',
      key: '{}/{group_by="role"}/{env="testing"}/{wait="long"}', // as in Alertmanager's route_test.go
      receiver: 'testing', // from 0.2.0
      groupBy: ['role'], // from 0.2
      groupWaitMs: 120_000, // its own
      groupIntervalMs: 300_000, // from the root's defaults
      repeatIntervalMs: 14_400_000,
    });
    expect(summary(matchRoutes(alertmanagerTree, { group_by: 'role' }))).toEqual(['0.2:def']);
  });

  it('treats group_by ["..."] as all labels and lets a child go back to a list', () => {
    const tree = treeOf(`
route:
  receiver: def
  group_by: ['...']
  routes:
    - { matchers: ['team="ml"'], receiver: A, group_by: [model] }
    - { matchers: ['team="ops"'], receiver: BC, group_by: [] }
`);
    expect(matchRoutes(tree, { team: 'data' })[0]?.groupBy).toBe('all');
    expect(matchRoutes(tree, { team: 'ml' })[0]?.groupBy).toEqual(['model']);
    expect(matchRoutes(tree, { team: 'ops' })[0]?.groupBy).toEqual([]);
  });

  it('uses Alertmanager matcher semantics: anchored regexes, missing labels as empty', () => {
    const tree = treeOf(`
route:
  receiver: def
  routes:
    - { matchers: ['severity=~"warn"'], receiver: A }
    - { matchers: ['team=""'], receiver: BC }
`);
    expect(summary(matchRoutes(tree, { severity: 'warning', team: 'ml' }))).toEqual(['0:def']);
    expect(summary(matchRoutes(tree, { severity: 'warning' }))).toEqual(['0.1:BC']);
  });

  it('routes the example config as its comments say', () => {
    const config = loadAlertingConfig(
      { file: new URL('../../alerting.example.yaml', import.meta.url).pathname },
      { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/a', SLACK_FRAUD_WEBHOOK_URL: 'https://hooks.slack.com/b', PD_ROUTING_KEY: 'k' },
    );
    const tree = compileRouteTree(config.route);
    const route = (labels: Record<string, string>) => summary(matchRoutes(tree, labels));
    expect(route({ alertname: 'ModelDriftDetected', model: 'churn', severity: 'critical' })).toEqual(['0.0:pagerduty', '0.3:slack-oncall']);
    expect(route({ alertname: 'ModelDriftDetected', model: 'fraud-v2', severity: 'critical' })).toEqual([
      '0.0:pagerduty',
      '0.1:slack-fraud',
    ]);
    expect(route({ alertname: 'ModelDriftDetected', model: 'fraud-v2', severity: 'warning' })).toEqual(['0.1.0:slack-fraud']);
    expect(route({ alertname: 'Watchdog' })).toEqual(['0.2:heartbeat']);
    expect(route({ alertname: 'ModelDriftDetected', model: 'churn', severity: 'warning' })).toEqual(['0.3:slack-oncall']);
  });
});

describe('route keys (Alertmanager dispatch/route_test.go TestRouteMatchers)', () => {
  const tree = treeOf(`
route:
  receiver: def
  routes:
    - matchers: ['{owner="team-A"}', '{level!="critical"}']
      receiver: A
      routes:
        - matchers: ['{env="testing"}', '{baz!~".*quux"}']
          receiver: testing
        - matchers: ['{env="production"}']
          receiver: prodA
          continue: true
        - matchers: [env=~"produ.*", job=~".*"]
          receiver: prodB
    - matchers: [owner=~"team-(B|C)"]
      receiver: BC
`);
  const keys = (labels: Record<string, string>) => matchRoutes(tree, labels).map((r) => r.key);

  it('joins the sorted matchers of every route from the root, as Route.Key does', () => {
    expect(keys({ owner: 'team-A' })).toEqual(['{}/{level!="critical",owner="team-A"}']);
    expect(keys({ owner: 'team-C' })).toEqual(['{}/{owner=~"team-(B|C)"}']);
    expect(keys({ owner: 'team-A', env: 'testing' })).toEqual(['{}/{level!="critical",owner="team-A"}/{baz!~".*quux",env="testing"}']);
    expect(keys({ owner: 'team-A', env: 'production' })).toEqual([
      '{}/{level!="critical",owner="team-A"}/{env="production"}',
      '{}/{level!="critical",owner="team-A"}/{env=~"produ.*",job=~".*"}',
    ]);
    expect(keys({})).toEqual(['{}']);
  });

  it('finds a route key by route id', () => {
    expect(routeKeyById(tree, '0.0.1')).toBe('{}/{level!="critical",owner="team-A"}/{env="production"}');
    expect(routeKeyById(tree, '0')).toBe('{}');
    expect(routeKeyById(tree, '0.7')).toBeUndefined();
    expect(routeKeyById(tree, '0.0.x')).toBeUndefined();
  });
});

describe('groupLabels, groupKey and groupId', () => {
  const route = (groupBy: MatchedRoute['groupBy'], id = '0.1'): MatchedRoute => ({
    id,
    key: '{}/{team="risk"}',
    receiver: 'def',
    groupBy,
    groupWaitMs: 1,
    groupIntervalMs: 1,
    repeatIntervalMs: 1,
  });
  const labels = { alertname: 'ModelDriftDetected', model: 'fraud', model_version: '3', severity: 'warning' };

  it('keeps only the group_by labels the alert has, or all of them for "..."', () => {
    expect(groupLabels(route(['model', 'alertname', 'team']), labels)).toEqual({ alertname: 'ModelDriftDetected', model: 'fraud' });
    expect(groupLabels(route('all'), labels)).toEqual(labels);
    expect(groupLabels(route([]), labels)).toEqual({});
    expect(groupLabels(route(['team']), { team: '' })).toEqual({});
  });

  it("makes Alertmanager's group key: the route key and the group labels", () => {
    const r = route(['model', 'alertname']);
    const key = groupKey(r, labels);
    expect(key).toBe('{}/{team="risk"}:{alertname="ModelDriftDetected", model="fraud"}');
    expect(groupKey(r, { severity: 'critical', model: 'fraud', alertname: 'ModelDriftDetected' })).toBe(key);
    expect(groupKey(route([]), labels)).toBe('{}/{team="risk"}:{}');
    // Two routes with the same matchers share the group key, as in Alertmanager; not the group id.
    expect(groupKey(route(['model', 'alertname'], '0.2'), labels)).toBe(key);
    expect(groupId(route(['model', 'alertname'], '0.2'), labels)).not.toBe(groupId(r, labels));
  });

  it('stores groups by an id stable across releases: route id and group labels', () => {
    const r = route(['model', 'alertname']);
    expect(groupId(r, labels)).toBe('0.1:{alertname="ModelDriftDetected",model="fraud"}');
    expect(groupId(route([]), labels)).toBe('0.1:{}');
  });

  it('cannot be confused by label values holding quotes or commas', () => {
    const r = route('all');
    expect(groupKey(r, { a: '1", b="2' })).not.toBe(groupKey(r, { a: '1', b: '2' }));
    expect(groupId(r, { a: '1",b="2' })).not.toBe(groupId(r, { a: '1', b: '2' }));
  });
});
