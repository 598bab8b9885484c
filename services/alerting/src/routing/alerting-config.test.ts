import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TidewaterError } from '@tidewater/errors';
import { alertingErrors } from '../errors.js';
import { defaultAlertingConfig, loadAlertingConfig, type AlertingConfigSource } from './alerting-config.js';

const env = {
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/oncall',
  SLACK_FRAUD_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/fraud',
  PD_ROUTING_KEY: 'pd-routing-key-0123456789abcdef',
};

/** Loads expecting failure; returns the listed problems. */
function problemsOf(source: AlertingConfigSource, e: Record<string, string | undefined> = env): { path: string; message: string }[] {
  let caught: unknown;
  try {
    loadAlertingConfig(source, e);
  } catch (err) {
    caught = err;
  }
  expect(alertingErrors.is(caught, 'TW_ALERT_CONFIG_INVALID')).toBe(true);
  const details = (caught as TidewaterError).details;
  return details?.['problems'] as { path: string; message: string }[];
}

const minimal = 'route: { receiver: hook }\nreceivers: [{ name: hook, webhook_configs: [{ url: "http://127.0.0.1:9/hook" }] }]\n';

describe('loadAlertingConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-alert-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the example file shipped with the service', () => {
    const file = new URL('../../alerting.example.yaml', import.meta.url).pathname;
    const config = loadAlertingConfig({ file }, env);
    expect(config.route).toMatchObject({
      receiver: 'slack-oncall',
      groupBy: ['alertname', 'model', 'model_version'],
      groupWaitMs: 30_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 14_400_000,
    });
    const [critical, fraud, watchdog] = config.route.routes;
    expect(critical).toMatchObject({
      receiver: 'pagerduty',
      continue: true,
      groupWaitMs: 10_000,
      matchers: [{ name: 'severity', value: 'critical', type: '=' }],
    });
    expect(fraud?.routes[0]).toMatchObject({ receiver: undefined, repeatIntervalMs: 43_200_000 });
    expect(watchdog).toMatchObject({ groupBy: 'all', groupWaitMs: 0, repeatIntervalMs: 60_000 });
    expect(config.receivers.map((r) => r.name)).toEqual(['slack-oncall', 'slack-fraud', 'pagerduty', 'heartbeat']);
    expect(config.receivers[2]?.pagerdutyConfigs).toEqual([
      { routingKey: env.PD_ROUTING_KEY, url: 'https://events.pagerduty.com/v2/enqueue', sendResolved: true },
    ]);
    expect(config.inhibitRules).toEqual([
      {
        sourceMatchers: [{ name: 'severity', value: 'critical', type: '=' }],
        targetMatchers: [{ name: 'severity', value: 'warning', type: '=' }],
        equal: ['alertname', 'model'],
      },
    ]);
  });

  it('reads JSON files and accepts object matchers next to string ones', () => {
    const file = join(dir, 'alerting.json');
    writeFileSync(
      file,
      JSON.stringify({
        route: {
          receiver: 'hook',
          routes: [{ matchers: [{ name: 'severity', value: 'crit.*', type: '=~' }, 'team="ml"'], receiver: 'hook' }],
        },
        receivers: [{ name: 'hook', webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }] }],
      }),
    );
    const config = loadAlertingConfig({ file }, {});
    expect(config.route.routes[0]?.matchers).toEqual([
      { name: 'severity', value: 'crit.*', type: '=~' },
      { name: 'team', value: 'ml', type: '=' },
    ]);
  });

  it("fills Alertmanager's defaults: timers 30s/5m/4h, no grouping, send_resolved per receiver kind", () => {
    const config = loadAlertingConfig(
      {
        yaml:
          'route: { receiver: all }\n' +
          'receivers:\n' +
          '  - name: all\n' +
          '    slack_configs: [{ webhook_url: "https://hooks.slack.com/x" }]\n' +
          '    pagerduty_configs: [{ routing_key: abc }]\n' +
          '    webhook_configs: [{ url_env: HOOK_URL }]\n',
      },
      { HOOK_URL: 'http://127.0.0.1:9/hook' },
    );
    expect(config.route).toMatchObject({ groupBy: [], groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 });
    const [all] = config.receivers;
    expect(all?.slackConfigs[0]?.sendResolved).toBe(false);
    expect(all?.pagerdutyConfigs[0]).toEqual({ routingKey: 'abc', url: 'https://events.pagerduty.com/v2/enqueue', sendResolved: true });
    expect(all?.webhookConfigs[0]).toEqual({ url: 'http://127.0.0.1:9/hook', sendResolved: true });
    expect(config.inhibitRules).toEqual([]);
  });

  it('returns a deeply frozen config', () => {
    const config = loadAlertingConfig({ yaml: minimal }, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.route.groupBy)).toBe(true);
    expect(Object.isFrozen(config.receivers[0]?.webhookConfigs[0])).toBe(true);
    expect(() => (config.route.routes as unknown[]).push({})).toThrow(TypeError);
  });

  it('lists every problem at once, each with its path', () => {
    const problems = problemsOf({
      yaml: [
        'route:',
        '  receiver: nowhere',
        '  group_wait: 30',
        '  group_interval: 0s',
        '  group_by: [model, model]',
        '  routes:',
        '    - matchers: [\'model=~"fraud-("\']',
        '      receiver: ghost',
        '      repeat_interval: 1x',
        'receivers:',
        '  - name: pd',
        '    pagerduty_configs: [{ routing_key_env: PD_KEY_UNSET }]',
        '  - name: pd',
        '    slack_configs: [{ webhook_url: "https://hooks.slack.com/x", channel: "#ops" }]',
        '  - name: silent',
      ].join('\n'),
    });
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        'route.receiver',
        'route.group_wait',
        'route.group_interval',
        'route.group_by[1]',
        'route.routes[0].matchers[0]',
        'route.routes[0].receiver',
        'route.routes[0].repeat_interval',
        'receivers[0].pagerduty_configs[0].routing_key_env',
        'receivers[1].name',
        'receivers[1].slack_configs[0]',
        'receivers[2]',
      ]),
    );
    expect(problems).toHaveLength(11);
    const message = (path: string) => problems.find((p) => p.path === path)?.message;
    expect(message('route.receiver')).toBe('receiver "nowhere" is not defined in receivers');
    expect(message('route.routes[0].receiver')).toBe('receiver "ghost" is not defined in receivers');
    expect(message('route.routes[0].matchers[0]')).toMatch(/not a valid regular expression/);
    expect(message('route.routes[0].repeat_interval')).toMatch(/"1x" is not a duration/);
    expect(message('route.group_interval')).toBe('cannot be zero');
    expect(message('route.group_by[1]')).toBe('duplicated label "model"');
    expect(message('receivers[0].pagerduty_configs[0].routing_key_env')).toBe('environment variable PD_KEY_UNSET is not set');
    expect(message('receivers[1].name')).toBe('receiver name "pd" is not unique');
    expect(message('receivers[1].slack_configs[0]')).toMatch(/channel/);
    expect(message('receivers[2]')).toMatch(/has no slack_configs, pagerduty_configs or webhook_configs/);
  });

  it('puts every problem in the error message, and never the value of a secret', () => {
    let caught: unknown;
    try {
      loadAlertingConfig(
        { yaml: 'route: { receiver: s, group_wait: soon }\nreceivers: [{ name: s, slack_configs: [{ webhook_url_env: HOOK }] }]' },
        { HOOK: 'not-a-url-but-secret-token' },
      );
    } catch (err) {
      caught = err;
    }
    expect(alertingErrors.is(caught, 'TW_ALERT_CONFIG_INVALID')).toBe(true);
    const text = (caught as Error).message;
    expect(text).toMatch(/\(2 problems\)/);
    expect(text).toContain('route.group_wait: "soon" is not a duration');
    expect(text).toContain('receivers[0].slack_configs[0].webhook_url_env: environment variable HOOK is not a URL');
    expect(text).not.toContain('secret-token');
  });

  it('enforces the root route rules: a default receiver, no matchers, no continue', () => {
    const problems = problemsOf({
      yaml: 'route: { matchers: [\'a="b"\'], continue: true }\nreceivers: [{ name: hook, webhook_configs: [{ url: "http://127.0.0.1:9" }] }]',
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['route.continue', 'route.matchers', 'route.receiver']);
  });

  it('rejects bad matchers: unbalanced quotes, bad regexes, bad label names, unknown types', () => {
    const problems = problemsOf({
      yaml: [
        'route:',
        '  receiver: hook',
        '  routes:',
        '    - matchers:',
        "        - 'severity=\"critical'",
        // Lookahead: valid for JavaScript, refused by RE2 as by Alertmanager.
        '        - \'model=~"(?=fraud)"\'',
        '        - \'a-b="c"\'',
        '        - { name: sev, value: x, type: "==" }',
        '        - { name: sev, value: x, regex: true }',
        'receivers: [{ name: hook, webhook_configs: [{ url: "http://127.0.0.1:9" }] }]',
      ].join('\n'),
    });
    expect(problems.map((p) => p.path)).toEqual([
      'route.routes[0].matchers[0]',
      'route.routes[0].matchers[1]',
      'route.routes[0].matchers[2]',
      'route.routes[0].matchers[3].type',
      'route.routes[0].matchers[4]',
    ]);
    expect(problems[0]?.message).toMatch(/unescaped double quote/);
    expect(problems[1]?.message).toMatch(/not a valid regular expression/);
  });

  it("rejects '...' mixed with other group_by labels, and bad env/equal names in inhibit rules", () => {
    const problems = problemsOf({
      yaml: [
        "route: { receiver: hook, group_by: ['...', model] }",
        'receivers: [{ name: hook, webhook_configs: [{ url: "http://127.0.0.1:9", url_env: HOOK }] }]',
        'inhibit_rules: [{ source_matchers: [\'severity="critical"\'], target_matchers: [\'severity=~"(warn"\'], equal: [model-name] }]',
      ].join('\n'),
    });
    expect(problems.map((p) => p.path)).toEqual([
      'route.group_by',
      'receivers[0].webhook_configs[0]',
      'inhibit_rules[0].target_matchers[0]',
      'inhibit_rules[0].equal[0]',
    ]);
    expect(problems[1]?.message).toBe('set url or url_env, not both');
  });

  it('reports YAML syntax errors, an empty file, an unreadable file and unknown top-level keys', () => {
    expect(problemsOf({ yaml: 'route: [\n' })[0]?.message).toMatch(/^YAML: .*line 2/);
    expect(problemsOf({ yaml: '' })[0]?.message).toMatch(/empty/);
    expect(problemsOf({ yaml: `${minimal}global: { resolve_timeout: 5m }\n` })).toEqual([
      { path: '(top level)', message: 'Unrecognized key: "global"' },
    ]);
    expect(problemsOf({ yaml: 'route: { receiver: x }\nreceivers: []' }).map((p) => p.path)).toEqual(['receivers', 'route.receiver']);
    let caught: unknown;
    try {
      loadAlertingConfig({ file: join(dir, 'missing.yaml') }, env);
    } catch (err) {
      caught = err;
    }
    expect(alertingErrors.is(caught, 'TW_ALERT_CONFIG_INVALID')).toBe(true);
  });
});

describe('defaultAlertingConfig', () => {
  it('sends everything to one Slack webhook, grouped by alertname, model and model_version', () => {
    const config = defaultAlertingConfig({ SLACK_WEBHOOK_URL: env.SLACK_WEBHOOK_URL });
    expect(config.route).toEqual({
      receiver: 'slack',
      groupBy: ['alertname', 'model', 'model_version'],
      groupWaitMs: 30_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 14_400_000,
      matchers: [],
      continue: false,
      routes: [],
    });
    expect(config.receivers).toEqual([
      {
        name: 'slack',
        slackConfigs: [{ webhookUrl: env.SLACK_WEBHOOK_URL, sendResolved: true }],
        pagerdutyConfigs: [],
        webhookConfigs: [],
      },
    ]);
  });

  it('fails like a file would when SLACK_WEBHOOK_URL is missing', () => {
    let caught: unknown;
    try {
      defaultAlertingConfig({});
    } catch (err) {
      caught = err;
    }
    expect(alertingErrors.is(caught, 'TW_ALERT_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toContain('environment variable SLACK_WEBHOOK_URL is not set');
  });
});
