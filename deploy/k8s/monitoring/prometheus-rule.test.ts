import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { prometheusRuleFile, prometheusRuleYaml } from './prometheus-rule.js';

describe('deploy/k8s/monitoring/prometheus-rule.yaml', () => {
  it('is the rule files of deploy/prometheus, regenerated (npx tsx deploy/k8s/monitoring/prometheus-rule.ts --write)', () => {
    expect(readFileSync(prometheusRuleFile, 'utf8')).toBe(prometheusRuleYaml());
  });

  it('holds every alert with its runbook link', () => {
    const manifest = parse(prometheusRuleYaml()) as {
      kind: string;
      spec: { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] };
    };
    expect(manifest.kind).toBe('PrometheusRule');
    const alerts = manifest.spec.groups.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThan(10);
    for (const a of alerts) expect(a.annotations?.['runbook_url'], a.alert).toMatch(/docs\/runbooks\/.+\.md$/);
  });
});
