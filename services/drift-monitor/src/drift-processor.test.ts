import { join } from 'node:path';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { readModelManifest } from '@tidewater/model-manifest';
import { repoRoot } from '@tidewater/schemas';
import { asRecords, referenceTraffic, type TrafficShift } from '../test/reference-traffic.js';
import { createDriftProcessor, type DriftProcessorOptions, type DriftRecord } from './drift-processor.js';

const manifest = readModelManifest(join(repoRoot, 'models', 'fraud-demo', '1'));
const shifted: TrafficShift = {
  moveFeature: { name: 'amount', by: 3 },
  newCategory: { name: 'country', value: 'BR', share: 0.3 },
  scoreAdd: 0.3,
};

function processor(overrides: Partial<DriftProcessorOptions> = {}) {
  return createDriftProcessor({
    manifests: [manifest],
    windowing: {
      mode: 'count',
      size: 400,
      durationMs: 60_000,
      allowedLatenessMs: 0,
      maxOpenWindows: 4,
      sampleSize: 300,
      maxCategories: 50,
      slidingWindows: 0,
    },
    featureTests: new Map(),
    decision: { correction: 'bh', driftShare: 0.5, scoreDecides: true },
    hysteresis: { fireAfter: 1, resolveAfter: 1 },
    featureAlerts: false,
    joinCapacity: 10_000,
    runbookBaseUrl: 'https://runbooks.example',
    now: () => 1000,
    ...overrides,
  });
}

let nextOffset = 0;
function batch(n: number, seed: number, shift?: TrafficShift, firstTime?: number): DriftRecord[] {
  const records = asRecords(referenceTraffic(manifest, { n, seed, idPrefix: `s${seed}`, shift, firstTime }), nextOffset);
  nextOffset += n;
  return records;
}

describe('drift processor', () => {
  it('changes its windows once per record however often a batch is retried', () => {
    const p = processor();
    const b = batch(400, 1);
    p.apply(b);
    p.apply(b); // the send failed; the runner retries the same batch
    expect(p.pending().reports).toHaveLength(1);
    expect(p.pending().reports[0]!.report.sample_size).toBe(400);
  });

  it('keeps reports and alerts pending until Kafka acknowledged them', () => {
    const p = processor();
    p.apply(batch(400, 2, shifted));
    expect(p.pending().alerts.map((a) => a.alert.status)).toEqual(['firing']);
    p.apply([]); // a retry with nothing new still has them to send
    expect(p.pending().alerts).toHaveLength(1);
    p.acknowledge();
    expect(p.pending()).toEqual({ reports: [], alerts: [] });
  });

  it('fires on a drifted window and resolves on the next clean one, flagging only the shifted checks', () => {
    const p = processor();
    // A reference-like window flags a chi-square feature about 5% of the time (alpha 0.05): these
    // seeds are two of the other 95%.
    p.apply(batch(400, 103));
    p.apply(batch(400, 4, shifted));
    p.apply(batch(400, 105));
    const out = p.pending();
    expect(out.reports.map((r) => r.report.drifted)).toEqual([false, true, false]);
    expect(out.alerts.map((a) => a.alert.status)).toEqual(['firing', 'resolved']);
    // log_amount is not derived from amount in this synthetic traffic, so it stays put.
    expect(out.reports[1]!.report.drifted_features).toEqual(['amount', 'country', 'score']);
    expect(out.reports[0]!.report.drifted_features).toEqual([]);
    expect(out.alerts[1]!.alert.starts_at).toBe(out.alerts[0]!.alert.starts_at);
  });

  it('fires only after K consecutive drifted windows and resolves only after M clean ones', () => {
    const p = processor({ hysteresis: { fireAfter: 2, resolveAfter: 2 } });
    const statuses = () => p.pending().alerts.map((a) => a.alert.status);
    p.apply(batch(400, 6, shifted));
    p.apply(batch(400, 7));
    p.apply(batch(400, 8, shifted)); // one noisy window at a time never pages
    expect(statuses()).toEqual([]);
    p.apply(batch(400, 9, shifted));
    expect(statuses()).toEqual(['firing']);
    p.apply(batch(400, 10));
    p.apply(batch(400, 11, shifted)); // a single clean window does not end it
    p.apply(batch(400, 12));
    expect(statuses()).toEqual(['firing']);
    p.apply(batch(400, 13));
    expect(statuses()).toEqual(['firing', 'resolved']);
  });

  it('raises per-feature alerts with the feature label when asked to', () => {
    const p = processor({ featureAlerts: true });
    p.apply(batch(400, 14, shifted));
    p.apply(batch(400, 15));
    const alerts = p.pending().alerts.map((a) => a.alert);
    const featureFiring = alerts.filter((a) => a.labels['alertname'] === 'FeatureDriftDetected' && a.status === 'firing');
    expect(featureFiring.map((a) => a.labels['feature']).sort()).toEqual(['amount', 'country', 'score']);
    const country = featureFiring.find((a) => a.labels['feature'] === 'country')!;
    expect(country.labels).toMatchObject({ model: 'fraud-demo', model_version: '1', severity: 'info' });
    expect(country.annotations['description']).toContain('unseen categories BR');
    const resolved = alerts.filter((a) => a.status === 'resolved').map((a) => a.labels['feature'] ?? 'model');
    expect(resolved.sort()).toEqual(['amount', 'country', 'model', 'score']);
  });

  it('counts ingestion dead letters into the next window’s schema-violation rate', () => {
    const p = processor();
    // 100 of ingestion's dead letters, then 30 of other services' (not schema violations).
    const dlq: DriftRecord[] = Array.from({ length: 130 }, (_, i) => ({
      topic: 'events.dlq',
      partition: 0,
      offset: String(i),
      value: { kind: i < 100 ? 'dead-letter' : 'ignored' },
      context: ROOT_CONTEXT,
    }));
    p.apply(dlq);
    p.apply(batch(400, 16));
    const r = p.pending().reports[0]!.report;
    expect(r.dead_letters).toBe(100);
    expect(r.schema_violation_rate).toBeCloseTo(100 / 500, 12);
  });

  it('skips predictions of model versions it does not monitor, and says so', () => {
    const unknown: string[] = [];
    const p = processor({ onUnknownModel: (m, v) => unknown.push(`${m}@${v}`) });
    const events = referenceTraffic(manifest, { n: 3, seed: 17, idPrefix: 'v9' }).map((e) => ({
      ...e,
      prediction: { ...e.prediction, model_version: '9' },
    }));
    p.apply(asRecords(events, 0));
    expect(unknown).toEqual(['fraud-demo@9', 'fraud-demo@9', 'fraud-demo@9']);
  });

  it('in time mode reports each event-time window with its bounds and the late events it refused', () => {
    const p = processor({
      windowing: {
        mode: 'time',
        size: 0,
        durationMs: 60_000,
        allowedLatenessMs: 5_000,
        maxOpenWindows: 4,
        sampleSize: 100,
        maxCategories: 50,
        slidingWindows: 0,
      },
    });
    const t0 = Date.UTC(2026, 0, 1);
    const events = referenceTraffic(manifest, { n: 130, seed: 21, idPrefix: 'tm', firstTime: t0, stepMs: 1000 });
    // Event 20 arrives last: after the watermark (t0 + 129 s - 5 s) passed the end of its window, so
    // it is dropped and reported with the next window that closes.
    const order = [...events.slice(0, 20), ...events.slice(21), events[20]!];
    p.apply(asRecords(order, 0));
    p.apply(batch(10, 22, undefined, t0 + 200_000)); // moves the watermark past the second window
    const reports = p.pending().reports.map((r) => r.report);
    expect(reports.map((r) => [r.window_kind, r.window_start - t0, r.window_end - t0, r.sample_size, r.late_events])).toEqual([
      ['time', 0, 60_000, 59, 0],
      ['time', 60_000, 120_000, 60, 0],
      ['time', 120_000, 180_000, 10, 1],
    ]);
  });

  it('reports a time window with too few events but neither judges it nor moves the alert streak', () => {
    const p = processor({
      windowing: {
        mode: 'time',
        size: 0,
        durationMs: 600_000,
        allowedLatenessMs: 0,
        maxOpenWindows: 4,
        sampleSize: 100,
        maxCategories: 50,
        slidingWindows: 0,
      },
      decision: { correction: 'bh', driftShare: 0.5, scoreDecides: true, minEvents: 200 },
    });
    const t0 = Date.UTC(2026, 0, 1);
    // A quiet window of 40 shifted events, then a busy one of 400 shifted events, then one event to close it.
    p.apply(batch(40, 25, shifted, t0));
    p.apply(batch(400, 26, shifted, t0 + 600_000));
    p.apply(batch(1, 27, undefined, t0 + 1_200_000));
    const reports = p.pending().reports.map((r) => r.report);
    expect(reports.map((r) => [r.sample_size, r.drifted, r.drifted_features.length > 0])).toEqual([
      [40, false, false],
      [400, true, true],
    ]);
    // The quiet window's figures are still there for dashboards.
    expect(reports[0]!.features.find((f) => f.feature === 'amount')!.value).toBeGreaterThan(0.2);
    expect(p.pending().alerts.map((a) => [a.alert.status, a.alert.annotations['report_id']])).toEqual([['firing', reports[1]!.report_id]]);
  });

  it('with a sliding view also reports the last N windows merged, while alerts follow the tumbling windows', () => {
    const p = processor({
      windowing: {
        mode: 'count',
        size: 400,
        durationMs: 1,
        allowedLatenessMs: 0,
        maxOpenWindows: 1,
        sampleSize: 300,
        maxCategories: 50,
        slidingWindows: 3,
      },
    });
    p.apply(batch(400, 103));
    p.apply(batch(400, 4, shifted));
    p.apply(batch(400, 105));
    p.apply(batch(400, 103));
    p.apply(batch(400, 105));
    const reports = p.pending().reports.map((r) => r.report);
    expect(reports.map((r) => [r.window_kind, r.sample_size])).toEqual([
      ['count', 400],
      ['sliding', 400],
      ['count', 400],
      ['sliding', 800],
      ['count', 400],
      ['sliding', 1200],
      ['count', 400],
      ['sliding', 1200],
      ['count', 400],
      ['sliding', 1200],
    ]);
    const sliding = reports.filter((r) => r.window_kind === 'sliding');
    // The shifted window weighs in while it is among the last three, and drops out after.
    expect(sliding.map((r) => r.drifted_features.includes('amount'))).toEqual([false, true, true, true, false]);
    expect(sliding[4]!.window_start).toBe(reports[4]!.window_start);
    expect(p.pending().alerts.map((a) => a.alert.status)).toEqual(['firing', 'resolved']);
    const amount = sliding[2]!.features.find((f) => f.feature === 'amount')!;
    expect(amount.sample_size).toBe(1200);
    // Restored state carries the recent windows, so the view survives a restart.
    const restored = processor({
      windowing: {
        mode: 'count',
        size: 400,
        durationMs: 1,
        allowedLatenessMs: 0,
        maxOpenWindows: 1,
        sampleSize: 300,
        maxCategories: 50,
        slidingWindows: 3,
      },
    });
    restored.restore(JSON.parse(JSON.stringify(p.snapshot())));
    restored.apply(batch(400, 106));
    expect(restored.pending().reports.map((r) => [r.report.window_kind, r.report.sample_size])).toEqual([
      ['count', 400],
      ['sliding', 1200],
    ]);
  });

  it('keeps a reservoir sample only for the features a sample test (KS, Wasserstein) judges', () => {
    const p = processor({ featureTests: new Map([['amount', { test: 'ks', threshold: 0.05 }]]) });
    p.apply(batch(100, 23));
    const open = p.snapshot().models['fraud-demo@1']!.windows.open[0]!;
    expect(open.numeric['amount']!.sample).toHaveLength(100);
    expect(open.numeric['log_amount']!.sample).toHaveLength(0);
    expect(open.numeric['log_amount']!.seen).toBe(100);
    expect(open.score.sample).toHaveLength(0);
  });

  it('resumes an open window from a snapshot, and a replayed batch is not counted twice', () => {
    const first = processor();
    const b1 = batch(250, 18);
    first.apply(b1);
    const saved = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    const second = processor();
    expect(second.restore(saved)).toEqual({ resumed: ['fraud-demo@1'], dropped: [] });
    second.apply(b1); // the crash came before the offsets were committed: Kafka redelivers
    second.apply(batch(150, 19));
    const reports = second.pending().reports;
    expect(reports).toHaveLength(1);
    expect(reports[0]!.report.sample_size).toBe(400);
  });

  it('drops saved state of a manifest that changed, and refuses what is not a snapshot', () => {
    const p = processor();
    p.apply(batch(10, 20));
    const snap = p.snapshot();
    const other = { ...snap, models: { 'fraud-demo@1': { ...snap.models['fraud-demo@1']!, sha256: '0'.repeat(64) } } };
    expect(processor().restore(JSON.parse(JSON.stringify(other)))).toEqual({ resumed: [], dropped: ['fraud-demo@1'] });
    expect(() => processor().restore({ hello: 1 })).toThrow(expect.objectContaining({ code: 'TW_DRIFT_STATE_CORRUPT' }));
  });

  it('drops saved windows when only the reference profile was regenerated (same ONNX file)', () => {
    const p = processor();
    p.apply(batch(10, 28));
    const reprofiled = structuredClone(manifest);
    reprofiled.referenceProfile.features['amount']!.binEdges[0]! -= 0.5;
    const next = processor({ manifests: [reprofiled] });
    expect(next.restore(JSON.parse(JSON.stringify(p.snapshot())))).toEqual({ resumed: [], dropped: ['fraud-demo@1'] });
    expect(processor().restore(JSON.parse(JSON.stringify(p.snapshot())))).toEqual({ resumed: ['fraud-demo@1'], dropped: [] });
  });

  it('still resolves an alert that fired before a restart onto a changed manifest', () => {
    const p = processor();
    p.apply(batch(400, 24, shifted));
    expect(p.pending().alerts.map((a) => a.alert.status)).toEqual(['firing']);
    const firedAt = p.pending().alerts[0]!.alert;
    p.acknowledge();
    const snap = p.snapshot();
    const retrained = { ...snap, models: { 'fraud-demo@1': { ...snap.models['fraud-demo@1']!, sha256: '0'.repeat(64) } } };
    const next = processor({ now: () => 5000 });
    expect(next.restore(JSON.parse(JSON.stringify(retrained)))).toEqual({ resumed: [], dropped: ['fraud-demo@1'] });
    next.apply(batch(400, 105));
    const resolved = next.pending().alerts.map((a) => a.alert);
    expect(resolved.map((a) => [a.status, a.fingerprint, a.starts_at, a.ends_at])).toEqual([
      ['resolved', firedAt.fingerprint, firedAt.starts_at, 5000],
    ]);
  });
});
