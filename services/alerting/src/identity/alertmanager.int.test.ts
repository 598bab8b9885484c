import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '@tidewater/schemas';
import { startAlertmanager, type AlertmanagerProcess } from '../../test/alertmanager-process.js';
import { identityCases, identityRoutingYaml } from '../../test/identity-cases.js';
import { startFakeWebhook, type FakeWebhook } from '../../test/fake-webhook.js';
import { pagerDutyDedupKey } from '../delivery/index.js';
import { compileRouteTree, groupKey, loadAlertingConfig, matchRoutes, type MatchedRoute } from '../routing/index.js';
import { labelNamesInGoOrder } from '@tidewater/schemas';
import { goQuote } from './go-quote.js';
import { identifyAlert } from './identify-alert.js';

/**
 * Issue 18: the service claims to identify alerts as Alertmanager does. Here a real Alertmanager
 * (Debian's prometheus-alertmanager) gets the same alerts and the same routing file as our code,
 * and its fingerprints (GET /api/v2/alerts), group keys (webhook `groupKey`) and PagerDuty
 * `dedup_key`s must be ours. Fails, not skips, without the binary.
 */
describe('alert identities against a real Alertmanager', () => {
  let am: AlertmanagerProcess | undefined;
  // Kept and thrown by each test, so a missing binary fails them (a failing beforeAll only skips them).
  let missing: unknown;
  const alertmanager = () => {
    if (am === undefined) throw missing;
    return am;
  };
  let hooks: FakeWebhook;
  let tree: ReturnType<typeof compileRouteTree>;
  const names = Object.keys(identityCases);
  const ours = (name: string) => identifyAlert(alertOf(identityCases[name]!));

  beforeAll(async () => {
    hooks = await startFakeWebhook();
    const yaml = identityRoutingYaml(hooks.url('/hook'), hooks.url('/pd'));
    tree = compileRouteTree(loadAlertingConfig({ yaml }, {}).route);
    am = await startAlertmanager(yaml).catch((err: unknown) => {
      missing = err;
      return undefined;
    });
    if (am === undefined) return;
    const posted = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(names.map((n) => ({ labels: identityCases[n], annotations: { case: n } }))),
    });
    expect(posted.status, await posted.text()).toBe(200);
  });

  afterAll(async () => {
    await am?.stop();
    await hooks?.close();
  });

  it('gives every label set the fingerprint Alertmanager gives it', async () => {
    const res = await fetch(`${alertmanager().url}/api/v2/alerts`);
    const listed = (await res.json()) as { fingerprint: string; labels: Record<string, string>; annotations: Record<string, string> }[];
    const theirs = new Map(listed.map((a) => [a.annotations['case'], a]));
    const matched = names.filter((n) => theirs.get(n)?.fingerprint === ours(n).fingerprint);
    console.info(`fingerprints: ${matched.length} of ${names.length} label sets as Alertmanager ${alertmanager().version.join('.')}`);
    for (const n of names) {
      expect(theirs.get(n)?.labels, n).toEqual(ours(n).labels); // empty values dropped alike
      expect({ case: n, fingerprint: theirs.get(n)?.fingerprint }).toEqual({ case: n, fingerprint: ours(n).fingerprint });
    }
  });

  it('makes the group keys and PagerDuty dedup keys Alertmanager makes', async () => {
    const { version } = alertmanager();
    const routed = names.flatMap((n) => matchRoutes(tree, ours(n).labels).map((route) => ({ n, route })));
    const toHook = routed.filter((r) => r.route.receiver === 'hook');
    const toPd = routed.filter((r) => r.route.receiver === 'pd');
    const [hookBodies, pdBodies] = await Promise.all([
      hooks.waitForCount((r) => r.path === '/hook', toHook.length, 30_000),
      hooks.waitForCount((r) => r.path === '/pd', toPd.length, 30_000),
    ]);
    // The webhook names each alert's fingerprint, so each group key is checked against its alert.
    const keyOf = new Map<string, string>();
    for (const b of hookBodies.map((r) => r.body as { groupKey: string; alerts: { fingerprint: string }[] }))
      for (const a of b.alerts) keyOf.set(a.fingerprint, b.groupKey);
    let same = 0;
    for (const { n, route } of toHook) {
      const theirs = keyOf.get(ours(n).fingerprint);
      const expected = expectedKey(route, ours(n).labels, version);
      if (theirs === groupKey(route, ours(n).labels)) same++;
      expect({ case: n, groupKey: theirs }).toEqual({ case: n, groupKey: expected });
    }
    console.info(`group keys: ${same} of ${toHook.length} as Alertmanager ${version.join('.')} (webhook)`);
    const dedupKeys = pdBodies.map((r) => (r.body as { dedup_key: string }).dedup_key).sort();
    expect(dedupKeys).toEqual(toPd.map(({ n, route }) => pagerDutyDedupKey(groupKey(route, ours(n).labels))).sort());
    console.info(`PagerDuty dedup_key: ${dedupKeys.length} of ${toPd.length} as Alertmanager`);
  });
});

/**
 * Our group key, or, on an Alertmanager before 0.28, the key it makes: it sorted the
 * `name="value"` strings instead of the names (prometheus/common #575), which only differs when a
 * label name is another one followed by a digit (the digitSuffix case).
 */
function expectedKey(route: MatchedRoute, labels: Record<string, string>, [major, minor]: readonly number[]): string {
  const current = groupKey(route, labels);
  if (major! > 0 || minor! >= 28) return current;
  const names = route.groupBy === 'all' ? labelNamesInGoOrder(labels) : route.groupBy.filter((l) => labels[l] !== undefined);
  const pairs = names.map((l) => `${l}=${goQuote(labels[l]!)}`).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `${route.key}:{${pairs.join(', ')}}`;
}

function alertOf(labels: Record<string, string>): Alert {
  return {
    fingerprint: 'from-the-producer',
    status: 'firing',
    labels,
    annotations: {},
    starts_at: Date.now(),
    ends_at: null,
    source: 'test',
    generator_url: null,
  };
}
