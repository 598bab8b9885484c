import { describe, expect, it } from 'vitest';
import { loadAlertingConfig, type InhibitRuleConfig } from './alerting-config.js';
import { createInhibitor } from './inhibitor.js';
import type { Labels } from '../matching/label-matcher.js';

function rulesOf(yaml: string): readonly InhibitRuleConfig[] {
  const receivers = 'route: { receiver: hook }\nreceivers: [{ name: hook, webhook_configs: [{ url: "http://127.0.0.1:9" }] }]\n';
  return loadAlertingConfig({ yaml: `${receivers}inhibit_rules:\n${yaml}` }, {}).inhibitRules;
}

const criticalMutesWarning = createInhibitor(
  rulesOf(`
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [model, cluster]
`),
);

describe('createInhibitor (Alertmanager inhibit_rules)', () => {
  const warning = { alertname: 'Drift', severity: 'warning', model: 'fraud', cluster: 'eu' };

  it('mutes a target when a firing source matches and the equal labels agree', () => {
    expect(criticalMutesWarning.inhibitedBy(warning, [{ alertname: 'Down', severity: 'critical', model: 'fraud', cluster: 'eu' }])).toBe(
      true,
    );
  });

  it('does not mute when an equal label differs, the source does not match, or nothing fires', () => {
    expect(criticalMutesWarning.inhibitedBy(warning, [{ severity: 'critical', model: 'churn', cluster: 'eu' }])).toBe(false);
    expect(criticalMutesWarning.inhibitedBy(warning, [{ severity: 'page', model: 'fraud', cluster: 'eu' }])).toBe(false);
    expect(criticalMutesWarning.inhibitedBy(warning, [])).toBe(false);
  });

  it('only mutes alerts matching the target matchers', () => {
    const info = { ...warning, severity: 'info' };
    expect(criticalMutesWarning.inhibitedBy(info, [{ severity: 'critical', model: 'fraud', cluster: 'eu' }])).toBe(false);
  });

  it('treats an equal label missing on both sides as equal, and missing on one side as different', () => {
    const target = { severity: 'warning', model: 'fraud' }; // no cluster
    expect(criticalMutesWarning.inhibitedBy(target, [{ severity: 'critical', model: 'fraud' }])).toBe(true);
    expect(criticalMutesWarning.inhibitedBy(target, [{ severity: 'critical', model: 'fraud', cluster: 'eu' }])).toBe(false);
    expect(criticalMutesWarning.inhibitedBy(warning, [{ severity: 'critical', model: 'fraud' }])).toBe(false);
    // An empty value is the same as no label, as in Prometheus.
    expect(criticalMutesWarning.inhibitedBy(target, [{ severity: 'critical', model: 'fraud', cluster: '' }])).toBe(true);
  });

  it('mutes on any source when equal is empty', () => {
    const inhibitor = createInhibitor(
      rulesOf(`  - { source_matchers: ['alertname="ClusterDown"'], target_matchers: ['alertname!="ClusterDown"'] }`),
    );
    expect(inhibitor.inhibitedBy({ alertname: 'Drift', model: 'a' }, [{ alertname: 'ClusterDown', model: 'b' }])).toBe(true);
    expect(inhibitor.inhibitedBy({ alertname: 'ClusterDown' }, [{ alertname: 'ClusterDown' }])).toBe(false);
  });

  it('never lets an alert matching both sides of a rule inhibit itself (or its kind)', () => {
    const inhibitor = createInhibitor(rulesOf(`  - { source_matchers: ['s="1"'], target_matchers: ['t="1"'], equal: [model] }`));
    const both = { s: '1', t: '1', model: 'fraud' };
    expect(inhibitor.inhibitedBy(both, [both])).toBe(false);
    // Another alert matching both sides does not inhibit it either (Alertmanager excludes two-sided sources) ...
    expect(inhibitor.inhibitedBy(both, [{ s: '1', t: '1', model: 'fraud', other: 'x' }])).toBe(false);
    // ... but a source-only alert does, and a two-sided alert still inhibits a target-only one.
    expect(inhibitor.inhibitedBy(both, [both, { s: '1', model: 'fraud' }])).toBe(true);
    expect(inhibitor.inhibitedBy({ t: '1', model: 'fraud' }, [both])).toBe(true);
  });

  it('applies every rule, reading a one-shot iterable of sources once', () => {
    const inhibitor = createInhibitor(
      rulesOf(`
  - { source_matchers: ['alertname="A"'], target_matchers: ['alertname="X"'] }
  - { source_matchers: ['alertname="B"'], target_matchers: ['alertname="Y"'] }
`),
    );
    function* firing(): Generator<Labels> {
      yield { alertname: 'A' };
      yield { alertname: 'B' };
    }
    expect(inhibitor.inhibitedBy({ alertname: 'Y' }, firing())).toBe(true);
    expect(inhibitor.inhibitedBy({ alertname: 'X' }, new Set<Labels>([{ alertname: 'A' }]))).toBe(true);
    expect(inhibitor.inhibitedBy({ alertname: 'Z' }, firing())).toBe(false);
    expect(createInhibitor([]).inhibitedBy({ alertname: 'X' }, firing())).toBe(false);
  });

  it('applies the example config rule: a critical alert mutes warnings of the same alert name and model', () => {
    const config = loadAlertingConfig(
      { file: new URL('../../alerting.example.yaml', import.meta.url).pathname },
      { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/a', SLACK_FRAUD_WEBHOOK_URL: 'https://hooks.slack.com/b', PD_ROUTING_KEY: 'k' },
    );
    const inhibitor = createInhibitor(config.inhibitRules);
    const critical = { alertname: 'ModelDriftDetected', model: 'fraud', model_version: '4', severity: 'critical' };
    expect(inhibitor.inhibitedBy({ ...critical, model_version: '3', severity: 'warning' }, [critical])).toBe(true);
    expect(inhibitor.inhibitedBy({ ...critical, model: 'churn', severity: 'warning' }, [critical])).toBe(false);
    expect(inhibitor.inhibitedBy(critical, [critical])).toBe(false);
  });
});
