// The Prometheus rules: every alert carries what on-call needs, has promtool unit tests in which it
// fires and stays quiet, and queries only known series. promtool itself runs them in
// rules.tools.test.ts.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  alertRules,
  defaultMetricNames,
  isKnownSeries,
  loadRules,
  prometheusSeries,
  promqlMetricNames,
  recordedNames,
  registeredTidewaterMetrics,
  ruleTestsDir,
  runbookBaseUrl,
} from './metric-contract.js';
import { pendingMetrics } from './pending-metrics.js';

const testFiles = readdirSync(ruleTestsDir)
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => join(ruleTestsDir, f));

interface PromtoolTests {
  readonly group_eval_order?: readonly string[];
  readonly tests: readonly { readonly alert_rule_test?: readonly { alertname: string; exp_alerts?: readonly unknown[] }[] }[];
}

describe('Prometheus rules', () => {
  it('order every rule group in every unit-test file, recording groups first', () => {
    // Without a full order promtool evaluates groups in an order of its own, and an alert may read the
    // previous evaluation's record: its annotations' values then change from run to run.
    const groups = loadRules().flatMap(({ file }) => file.groups.map((g) => g.name));
    const recording = groups.filter((g) => g.endsWith('.rules'));
    for (const f of testFiles) {
      const order = (parse(readFileSync(f, 'utf8')) as PromtoolTests).group_eval_order ?? [];
      expect([...order].sort(), f).toEqual([...groups].sort());
      expect(order.slice(0, recording.length), f).toEqual(expect.arrayContaining(recording));
    }
  });

  it('give every alert a severity, a summary, a description and its runbook', () => {
    const alerts = alertRules();
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) {
      expect(['critical', 'warning', 'none'], a.alert).toContain(a.labels?.['severity']);
      expect(a.annotations?.['summary'], a.alert).toBeTruthy();
      expect(a.annotations?.['description'], a.alert).toBeTruthy();
      expect(a.annotations?.['runbook_url'], a.alert).toBe(`${runbookBaseUrl}${a.alert}.md`);
    }
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
  });

  it('have unit tests in which each alert fires and in which it stays quiet', () => {
    const cases = testFiles.flatMap((f) => (parse(readFileSync(f, 'utf8')) as PromtoolTests).tests.flatMap((t) => t.alert_rule_test ?? []));
    for (const { alert } of alertRules()) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert}: no case where it fires`,
      ).toBe(true);
      // The Watchdog fires always, by design.
      if (alert !== 'Watchdog')
        expect(
          mine.some((c) => (c.exp_alerts ?? []).length === 0),
          `${alert}: no case where it stays quiet`,
        ).toBe(true);
    }
  });

  it('query only series that the services register, Prometheus writes or the rules record', async () => {
    const known = new Set([
      ...registeredTidewaterMetrics().keys(),
      ...(await defaultMetricNames()),
      ...prometheusSeries,
      ...recordedNames(),
      ...pendingMetrics,
    ]);
    const unknown: string[] = [];
    for (const { path, file } of loadRules()) {
      for (const rule of file.groups.flatMap((g) => g.rules)) {
        for (const name of promqlMetricNames(rule.expr)) {
          if (!isKnownSeries(name, known)) unknown.push(`${path}: ${rule.alert ?? rule.record}: ${name}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });
});

describe('promqlMetricNames', () => {
  it('keeps metric names and drops functions, labels, ranges, numbers and keywords', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (model, le) (rate(tw_pipeline_latency_seconds_bucket{le="2.5", model=~"$model"}[$__rate_interval]))) > 14.4 * 0.01',
      ),
    ).toEqual(['tw_pipeline_latency_seconds_bucket']);
    expect(
      promqlMetricNames(
        'up * on (job, instance) group_left (tw_service) group by (job, instance, tw_service) (last_over_time(process_start_time_seconds[1h])) == 0 unless on () x:y:rate5m offset 5m',
      ),
    ).toEqual(['up', 'process_start_time_seconds', 'x:y:rate5m']);
    expect(promqlMetricNames('sum(rate(a_total[5m])) by (code) or vector(0)')).toEqual(['a_total']);
    expect(promqlMetricNames('label_values(tw_drift_psi{model="$model"}, feature)')).toEqual(['tw_drift_psi']);
    expect(promqlMetricNames('label_replace(sum(rate(tw_ingest_accepted_total[5m])), "topic", "events.valid", "", "")')).toEqual([
      'tw_ingest_accepted_total',
    ]);
  });
});
