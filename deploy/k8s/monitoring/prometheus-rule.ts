// Wraps the Prometheus rule files of deploy/prometheus/rules in a prometheus-operator
// PrometheusRule, so Kubernetes runs exactly the rules promtool tests. Regenerate with
//   npx tsx deploy/k8s/monitoring/prometheus-rule.ts --write
// (prometheus-rule.test.ts fails when the committed file is out of date).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const here = fileURLToPath(new URL('.', import.meta.url));
const rulesDir = join(here, '..', '..', 'prometheus', 'rules');
export const prometheusRuleFile = join(here, 'prometheus-rule.yaml');

/** The PrometheusRule manifest, as YAML text, built from every `*.yml` rule file in name order. */
export function prometheusRuleYaml(): string {
  const groups = readdirSync(rulesDir)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .flatMap((f) => (parse(readFileSync(join(rulesDir, f), 'utf8')) as { groups: unknown[] }).groups);
  const manifest = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'tidewater',
      namespace: 'tidewater',
      // The label a default kube-prometheus-stack install selects rules by; change it to your Prometheus's ruleSelector.
      labels: { 'app.kubernetes.io/part-of': 'tidewater', release: 'kube-prometheus-stack' },
    },
    spec: { groups },
  };
  return `# Generated from deploy/prometheus/rules by prometheus-rule.ts; do not edit.\n${stringify(manifest, { lineWidth: 0 })}`;
}

if (process.argv.includes('--write')) writeFileSync(prometheusRuleFile, prometheusRuleYaml());
