import { z } from 'zod';
import { compileMatcher, labelMatcherSchema } from '../matching/label-matcher.js';
import type {
  GroupBy,
  InhibitRuleConfig,
  MatcherConfig,
  PagerDutyReceiverConfig,
  ReceiverConfig,
  RouteConfig,
  SlackReceiverConfig,
  WebhookReceiverConfig,
} from './alerting-config.js';
import { parseDuration } from './duration.js';
import { parseMatchers } from './matcher-syntax.js';

/** The environment `*_env` fields are resolved from. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelName = z.string().regex(labelNamePattern, 'label names are [a-zA-Z_][a-zA-Z0-9_]*');
const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are [A-Za-z_][A-Za-z0-9_]*');

const duration = z.string({ error: 'expected a duration string such as "30s", "5m" or "1h30m"' }).transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (such as 500ms, 30s, 5m, 1h30m, 4h, 1d)` });
    return z.NEVER;
  }
  return ms;
});
// Alertmanager rejects a zero group_interval or repeat_interval; a zero group_wait means "send at once".
const nonZeroDuration = duration.refine((ms) => ms > 0, 'cannot be zero');

const matcherObject = z.strictObject(labelMatcherSchema.shape);

function compileProblem(m: MatcherConfig): string | undefined {
  try {
    compileMatcher(m);
    return undefined;
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err instanceof Error ? err.message : String(err)}${cause}`;
  }
}

/** One `matchers:` entry: a string in Alertmanager's syntax (possibly several matchers) or `{ name, value, type }`. */
const matcherEntry = z.unknown().transform((entry, ctx): MatcherConfig[] => {
  let parsed: MatcherConfig[];
  if (typeof entry === 'string') {
    try {
      parsed = parseMatchers(entry);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      return z.NEVER;
    }
  } else {
    const r = matcherObject.safeParse(entry);
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    }
    parsed = [r.data];
  }
  let ok = true;
  for (const m of parsed) {
    const problem = labelNamePattern.test(m.name) ? compileProblem(m) : `label name "${m.name}" is not [a-zA-Z_][a-zA-Z0-9_]*`;
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      ok = false;
    }
  }
  return ok ? parsed : z.NEVER;
});
const matchers = z.array(matcherEntry).transform((entries) => entries.flat());

const groupBy = z.array(z.string()).transform((names, ctx): GroupBy => {
  if (names.includes('...')) {
    if (names.length > 1) ctx.addIssue({ code: 'custom', message: "cannot have '...' (all labels) and other labels at the same time" });
    return 'all';
  }
  names.forEach((name, i) => {
    if (!labelNamePattern.test(name)) ctx.addIssue({ code: 'custom', message: `"${name}" is not a label name`, path: [i] });
    else if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', message: `duplicated label "${name}"`, path: [i] });
  });
  return names;
});

const routeShape = z.strictObject({
  receiver: z.string().min(1).optional(),
  group_by: groupBy.optional(),
  group_wait: duration.optional(),
  group_interval: nonZeroDuration.optional(),
  repeat_interval: nonZeroDuration.optional(),
  matchers: matchers.optional(),
  continue: z.boolean().optional(),
  get routes() {
    return z.array(routeSchema).optional();
  },
});

const routeSchema: z.ZodType<RouteConfig> = routeShape.transform((r): RouteConfig => ({
  receiver: r.receiver,
  groupBy: r.group_by,
  groupWaitMs: r.group_wait,
  groupIntervalMs: r.group_interval,
  repeatIntervalMs: r.repeat_interval,
  matchers: r.matchers ?? [],
  continue: r.continue ?? false,
  routes: r.routes ?? [],
}));

/** Resolves a value given either literally (`field`) or by environment variable name (`field_env`). */
function secretOrEnv(
  literal: string | undefined,
  envName: string | undefined,
  field: string,
  env: ConfigEnv,
  ctx: z.RefinementCtx,
  check: (value: string) => boolean,
  checkMessage: string,
): string {
  if (literal !== undefined && envName !== undefined) {
    ctx.addIssue({ code: 'custom', message: `set ${field} or ${field}_env, not both` });
    return '';
  }
  if (literal !== undefined) return literal;
  if (envName === undefined) {
    ctx.addIssue({ code: 'custom', message: `${field} or ${field}_env is required` });
    return '';
  }
  const value = env[envName];
  if (value === undefined || value === '') {
    ctx.addIssue({ code: 'custom', message: `environment variable ${envName} is not set`, path: [`${field}_env`] });
    return '';
  }
  // Never echo the value: it is a secret.
  if (!check(value)) ctx.addIssue({ code: 'custom', message: `environment variable ${envName} ${checkMessage}`, path: [`${field}_env`] });
  return value;
}

/**
 * A receiver's `timeout`: how long one POST may take. Capped so that a send in flight stays well
 * inside the delivery lease (another replica must never take it over while it is still running).
 */
export const maxReceiverTimeoutMs = 120_000;
const receiverTimeout = duration.refine((ms) => ms > 0 && ms <= maxReceiverTimeoutMs, 'must be more than 0s and at most 2m');

const isUrl = (v: string) => URL.canParse(v);
const anyValue = () => true;

function receiversSchema(env: ConfigEnv) {
  const slack = z
    .strictObject({
      webhook_url: z.url().optional(),
      webhook_url_env: envVarName.optional(),
      send_resolved: z.boolean().default(false),
      timeout: receiverTimeout.optional(),
    })
    .transform((c, ctx): SlackReceiverConfig => ({
      webhookUrl: secretOrEnv(c.webhook_url, c.webhook_url_env, 'webhook_url', env, ctx, isUrl, 'is not a URL'),
      sendResolved: c.send_resolved,
      ...(c.timeout === undefined ? {} : { timeoutMs: c.timeout }),
    }));
  const pagerduty = z
    .strictObject({
      routing_key: z.string().min(1).optional(),
      routing_key_env: envVarName.optional(),
      url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
      send_resolved: z.boolean().default(true),
      timeout: receiverTimeout.optional(),
    })
    .transform((c, ctx): PagerDutyReceiverConfig => ({
      routingKey: secretOrEnv(c.routing_key, c.routing_key_env, 'routing_key', env, ctx, anyValue, ''),
      url: c.url,
      sendResolved: c.send_resolved,
      ...(c.timeout === undefined ? {} : { timeoutMs: c.timeout }),
    }));
  const webhook = z
    .strictObject({
      url: z.url().optional(),
      url_env: envVarName.optional(),
      send_resolved: z.boolean().default(true),
      timeout: receiverTimeout.optional(),
    })
    .transform((c, ctx): WebhookReceiverConfig => ({
      url: secretOrEnv(c.url, c.url_env, 'url', env, ctx, isUrl, 'is not a URL'),
      sendResolved: c.send_resolved,
      ...(c.timeout === undefined ? {} : { timeoutMs: c.timeout }),
    }));
  const receiver = z
    .strictObject({
      name: z.string().min(1),
      slack_configs: z.array(slack).default([]),
      pagerduty_configs: z.array(pagerduty).default([]),
      webhook_configs: z.array(webhook).default([]),
    })
    .transform((r, ctx): ReceiverConfig => {
      if (r.slack_configs.length + r.pagerduty_configs.length + r.webhook_configs.length === 0) {
        ctx.addIssue({ code: 'custom', message: `receiver "${r.name}" has no slack_configs, pagerduty_configs or webhook_configs` });
      }
      return { name: r.name, slackConfigs: r.slack_configs, pagerdutyConfigs: r.pagerduty_configs, webhookConfigs: r.webhook_configs };
    });
  return z.array(receiver).min(1, 'at least one receiver is required');
}

const inhibitRule = z
  .strictObject({
    source_matchers: matchers.default([]),
    target_matchers: matchers.default([]),
    equal: z.array(labelName).default([]),
  })
  .transform((r): InhibitRuleConfig => ({ sourceMatchers: r.source_matchers, targetMatchers: r.target_matchers, equal: r.equal }));

/**
 * The config file's structure, parsed to the runtime shape (durations in ms, matchers parsed and
 * their regexes checked, `*_env` values resolved from `env`). Checks spanning the document
 * (receiver references, unique names, root-route rules) are in `config-references.ts`.
 */
export function alertingConfigFileSchema(env: ConfigEnv) {
  return z.strictObject({
    route: routeSchema,
    receivers: receiversSchema(env),
    inhibit_rules: z.array(inhibitRule).default([]),
  });
}
