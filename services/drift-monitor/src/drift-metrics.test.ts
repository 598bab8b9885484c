import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { readModelManifest } from '@tidewater/model-manifest';
import { repoRoot } from '@tidewater/schemas';
import { asRecords, referenceTraffic } from '../test/reference-traffic.js';
import { createDriftMetrics } from './drift-metrics.js';
import { createDriftProcessor } from './drift-processor.js';

const manifest = readModelManifest(join(repoRoot, 'models', 'fraud-demo', '1'));

describe('drift metrics', () => {
  it('publishes the latest window per model and feature as gauges', async () => {
    const registry = new Registry();
    const metrics = createDriftMetrics(registry);
    const p = createDriftProcessor({
      manifests: [manifest],
      windowing: {
        mode: 'count',
        size: 200,
        durationMs: 1,
        allowedLatenessMs: 0,
        maxOpenWindows: 1,
        sampleSize: 100,
        maxCategories: 20,
        slidingWindows: 0,
      },
      featureTests: new Map([['amount', { test: 'ks', threshold: 0.05 }]]),
      decision: { correction: 'bh', driftShare: 0.5, scoreDecides: true },
      hysteresis: { fireAfter: 1, resolveAfter: 1 },
      featureAlerts: false,
      joinCapacity: 1000,
      runbookBaseUrl: 'https://runbooks.example',
      now: () => 0,
      onWindowClosed: (r) => metrics.record(r),
    });
    p.apply(
      asRecords(referenceTraffic(manifest, { n: 200, seed: 3, idPrefix: 'm', shift: { moveFeature: { name: 'amount', by: 3 } } }), 0),
    );
    const report = p.pending().reports[0]!.report;
    const text = await registry.metrics();
    const amount = report.features.find((f) => f.feature === 'amount')!;
    expect(text).toContain(`tw_drift_statistic{model="fraud-demo",version="1",feature="amount",statistic="ks"} ${amount.value}`);
    expect(text).toContain(`tw_drift_p_value{model="fraud-demo",version="1",feature="amount",statistic="ks"} ${amount.p_value_adjusted}`);
    expect(text).toContain('tw_drift_feature_drifted{model="fraud-demo",version="1",feature="amount",statistic="ks"} 1');
    expect(text).toMatch(/tw_drift_psi\{model="fraud-demo",version="1",feature="score"\} [\d.e-]+/);
    expect(text).toContain(`tw_drift_out_of_range_rate{model="fraud-demo",version="1",feature="amount"} ${amount.out_of_range_rate}`);
    expect(text).toContain('tw_drift_window_samples{model="fraud-demo",version="1"} 200');
    expect(text).toContain(`tw_drift_positive_rate_change{model="fraud-demo",version="1"} ${report.positive_rate_change}`);
    expect(text).toContain('tw_drift_feature_freshness_max_seconds{model="fraud-demo",version="1"} 0.02');
  });
});
