import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { alertingErrors } from '../errors.js';
import type { MatchType } from '../matching/label-matcher.js';
import { checkReferences, type ConfigProblem } from './config-references.js';
import { alertingConfigFileSchema, type ConfigEnv } from './config-schema.js';

/** A label matcher as parsed from the file (compiled by the route tree and the inhibitor). */
export interface MatcherConfig {
  readonly name: string;
  readonly value: string;
  readonly type: MatchType;
}

/** Labels a route groups by; `'all'` is Alertmanager's `group_by: ['...']`. */
export type GroupBy = readonly string[] | 'all';

/** One node of the routing tree; `undefined` settings are inherited from the parent. */
export interface RouteConfig {
  readonly receiver: string | undefined;
  readonly groupBy: GroupBy | undefined;
  readonly groupWaitMs: number | undefined;
  readonly groupIntervalMs: number | undefined;
  readonly repeatIntervalMs: number | undefined;
  readonly matchers: readonly MatcherConfig[];
  readonly continue: boolean;
  readonly routes: readonly RouteConfig[];
}

/** The root route: every setting is present (defaults filled in), so children always inherit something. */
export interface RootRouteConfig extends RouteConfig {
  readonly receiver: string;
  readonly groupBy: GroupBy;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
}

export interface SlackReceiverConfig {
  /** A secret: do not log. */
  readonly webhookUrl: string;
  readonly sendResolved: boolean;
  /** How long one POST may take before it counts as failed and is retried (`timeout`); the delivery default when unset. */
  readonly timeoutMs?: number;
}

export interface PagerDutyReceiverConfig {
  /** A secret: do not log. */
  readonly routingKey: string;
  readonly url: string;
  readonly sendResolved: boolean;
  /** How long one POST may take before it counts as failed and is retried (`timeout`); the delivery default when unset. */
  readonly timeoutMs?: number;
}

export interface WebhookReceiverConfig {
  /** May embed a token: do not log. */
  readonly url: string;
  readonly sendResolved: boolean;
  /** How long one POST may take before it counts as failed and is retried (`timeout`); the delivery default when unset. */
  readonly timeoutMs?: number;
}

export interface ReceiverConfig {
  readonly name: string;
  readonly slackConfigs: readonly SlackReceiverConfig[];
  readonly pagerdutyConfigs: readonly PagerDutyReceiverConfig[];
  readonly webhookConfigs: readonly WebhookReceiverConfig[];
}

export interface InhibitRuleConfig {
  readonly sourceMatchers: readonly MatcherConfig[];
  readonly targetMatchers: readonly MatcherConfig[];
  readonly equal: readonly string[];
}

/** The validated, deeply frozen alerting configuration. Holds secrets: never log it whole. */
export interface AlertingRuntimeConfig {
  readonly route: RootRouteConfig;
  readonly receivers: readonly ReceiverConfig[];
  readonly inhibitRules: readonly InhibitRuleConfig[];
}

/** Where the config comes from: a YAML/JSON file, YAML text, or an already-parsed object. */
export type AlertingConfigSource = { readonly file: string } | { readonly yaml: string } | { readonly object: unknown };

/** Alertmanager's defaults for timers left unset on the root route. */
export const alertmanagerRouteDefaults = Object.freeze({
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 4 * 3_600_000,
});

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

function invalid(origin: string, problems: readonly ConfigProblem[]): never {
  const lines = problems.map((p) => `  - ${formatPath(p.path)}: ${p.message}`);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw alertingErrors.create('TW_ALERT_CONFIG_INVALID', `alerting config ${origin} is invalid (${count}):\n${lines.join('\n')}`, {
    details: { origin, problems: problems.map((p) => ({ path: formatPath(p.path), message: p.message })) },
  });
}

function parseYaml(text: string, origin: string): unknown {
  const doc = parseDocument(text);
  // The yaml package's messages end in a code excerpt; the first line already says where.
  if (doc.errors.length > 0)
    invalid(
      origin,
      doc.errors.map((e) => ({ path: [], message: `YAML: ${e.message.split('\n')[0] ?? ''}` })),
    );
  return doc.toJS();
}

function readSource(source: AlertingConfigSource): { doc: unknown; origin: string } {
  if ('object' in source) return { doc: source.object, origin: '(object)' };
  if ('yaml' in source) return { doc: parseYaml(source.yaml, '(yaml text)'), origin: '(yaml text)' };
  let text: string;
  try {
    text = readFileSync(source.file, 'utf8');
  } catch (cause) {
    throw alertingErrors.create('TW_ALERT_CONFIG_INVALID', `alerting config ${source.file} cannot be read`, {
      cause,
      details: { origin: source.file },
    });
  }
  // YAML is a superset of JSON, so one parser reads both.
  return { doc: parseYaml(text, source.file), origin: source.file };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Loads and validates the alerting config (routing tree, receivers, inhibition rules) once at
 * boot. Throws `TW_ALERT_CONFIG_INVALID` listing every problem found (structure, durations,
 * matchers and their regexes, receiver references, unset environment variables), not just the
 * first. `*_env` fields name environment variables read from `env`, so secrets stay out of files.
 */
export function loadAlertingConfig(source: AlertingConfigSource, env: ConfigEnv): AlertingRuntimeConfig {
  const { doc, origin } = readSource(source);
  if (doc === null || doc === undefined)
    invalid(origin, [{ path: [], message: 'the config is empty: it needs at least route and receivers' }]);
  const parsed = alertingConfigFileSchema(env).safeParse(doc);
  const problems: ConfigProblem[] = [...(parsed.success ? [] : parsed.error.issues), ...checkReferences(doc)];
  if (!parsed.success || problems.length > 0) invalid(origin, problems);
  const { route, receivers, inhibit_rules } = parsed.data;
  const root: RootRouteConfig = {
    ...route,
    receiver: route.receiver ?? '', // checkReferences guarantees it is set
    groupBy: route.groupBy ?? [],
    groupWaitMs: route.groupWaitMs ?? alertmanagerRouteDefaults.groupWaitMs,
    groupIntervalMs: route.groupIntervalMs ?? alertmanagerRouteDefaults.groupIntervalMs,
    repeatIntervalMs: route.repeatIntervalMs ?? alertmanagerRouteDefaults.repeatIntervalMs,
  };
  return deepFreeze({ route: root, receivers, inhibitRules: inhibit_rules });
}

/**
 * The config used when no file is given: every alert to one Slack webhook (`SLACK_WEBHOOK_URL`),
 * resolved alerts included, grouped by alert name, model and model version, with Alertmanager's timers.
 */
export function defaultAlertingConfig(env: ConfigEnv): AlertingRuntimeConfig {
  return loadAlertingConfig(
    {
      object: {
        route: { receiver: 'slack', group_by: ['alertname', 'model', 'model_version'] },
        receivers: [{ name: 'slack', slack_configs: [{ webhook_url_env: 'SLACK_WEBHOOK_URL', send_resolved: true }] }],
      },
    },
    env,
  );
}
