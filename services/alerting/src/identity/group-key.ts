import type { Labels, MatchType } from '../matching/label-matcher.js';
import { labelNamesInGoOrder } from '@tidewater/schemas';
import { goQuote } from './go-quote.js';

/**
 * Go's `model.LabelSet.String()`: `{alertname="X", model="fraud"}`, names in Go string order,
 * values quoted as Go's %q. This is the order of Alertmanager 0.28 and later (prometheus/common
 * 0.49, "LabelSet: Fix alphabetical sorting", #575); 0.25 to 0.27 sorted the `name="value"` strings,
 * which differs only when one label name is another followed by a digit (`model`, `model2`).
 */
export function labelSetString(labels: Labels): string {
  return `{${labelNamesInGoOrder(labels)
    .map((name) => `${name}=${goQuote(labels[name] ?? '')}`)
    .join(', ')}}`;
}

const typeOrder: readonly MatchType[] = ['=', '!=', '=~', '!~'];

/** A route matcher as the key sees it: name, value and type, regexes as written (unanchored). */
export interface KeyMatcher {
  readonly name: string;
  readonly value: string;
  readonly type: MatchType;
}

function compareGo(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Alertmanager's `labels.Matchers.String()` of a route's matchers, sorted as `NewRoute` sorts them
 * (by name, then value, then type): `{severity=~"crit.*",team="risk"}`, values escaped as
 * OpenMetrics does (`\\`, `\n`, `\"` only).
 */
export function matchersString(matchers: readonly KeyMatcher[]): string {
  const sorted = [...matchers].sort(
    (a, b) => compareGo(a.name, b.name) || compareGo(a.value, b.value) || typeOrder.indexOf(a.type) - typeOrder.indexOf(b.type),
  );
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${sorted.map((m) => `${m.name}${m.type}"${escape(m.value)}"`).join(',')}}`;
}

/** A route's key (dispatch/route.go `Route.Key`): its parent's key, `/`, its own matchers; `{}` for the root. */
export function routeKey(parentKey: string | undefined, matchers: readonly KeyMatcher[]): string {
  const own = matchersString(matchers);
  return parentKey === undefined ? own : `${parentKey}/${own}`;
}

/**
 * Alertmanager's group key (dispatch.go `aggrGroup.GroupKey`): `<route key>:<group labels>`, e.g.
 * `{}/{team="risk"}:{alertname="X", team="risk"}`. Webhook payloads carry it as `groupKey`.
 */
export function alertmanagerGroupKey(routeKeyOfGroup: string, groupLabels: Labels): string {
  return `${routeKeyOfGroup}:${labelSetString(groupLabels)}`;
}
