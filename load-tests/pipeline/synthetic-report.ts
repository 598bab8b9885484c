import type { ReportInput } from './report-html.js';

/**
 * A report input made of synthetic series (two steps of 10 s, five groups and processes), so the
 * report's rendering can be tested without a stack.
 */
export function syntheticReportInput(): ReportInput {
  const t = Array.from({ length: 20 }, (_, i) => i + 1);
  const wave = (base: number, amp: number) => t.map((x) => Math.round(base + amp * Math.sin(x / 3)));
  const groups = ['tidewater-ingestion', 'tidewater-feature', 'tidewater-inference', 'tidewater-drift-monitor', 'tidewater-alerting'];
  return {
    title: 'Pipeline load (synthetic)',
    about: ['synthetic data for the report test'],
    summary: {
      bench: 'pipeline-load',
      steps: [
        {
          kind: 'step',
          rate: 500,
          sent: 5000,
          scored: 5000,
          lost: 0,
          sustained: true,
          e2e_p50_ms: 40,
          e2e_p99_ms: 90,
          e2e_max_ms: 120,
          stages: {
            ingest: { p50_ms: 7, p95_ms: 20, p99_ms: 31, max_ms: 44 },
            feature: { p50_ms: 21, p95_ms: 50, p99_ms: 60, max_ms: 70 },
          },
        },
        {
          kind: 'step',
          rate: 1000,
          sent: 10000,
          scored: 9990,
          lost: 10,
          sustained: false,
          e2e_p50_ms: 80,
          e2e_p99_ms: 400,
          e2e_max_ms: 900,
        },
      ],
      max_sustained_events_per_s: 500,
    },
    series: {
      latency: { t, p50: wave(50, 10), p95: wave(120, 30), p99: wave(200, 60), max: wave(300, 90) },
      throughput: { t, sent: t.map((x) => (x <= 10 ? 500 : 1000)), scored: wave(700, 250) },
      lag: { t, groups: Object.fromEntries(groups.map((g, i) => [g, wave(100 * (i + 1), 50)])) },
      cpu: {
        t,
        services: Object.fromEntries(
          ['ingestion', 'feature', 'inference', 'drift-monitor', 'alerting'].map((s, i) => [
            s,
            t.map((x) => 0.1 * (i + 1) + 0.02 * (x % 3)),
          ]),
        ),
      },
      steps: [
        { t: 0, label: '500/s' },
        { t: 10, label: '1000/s' },
      ],
    },
  };
}
