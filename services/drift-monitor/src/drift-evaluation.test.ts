import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelManifest } from '@tidewater/model-manifest';
import { repoRoot } from '@tidewater/schemas';
import { referenceTraffic, type TrafficShift } from '../test/reference-traffic.js';
import { evaluateWindow, type DecisionRule } from './drift-evaluation.js';
import { parseFeatureTests, resolveFeatureTests } from './drift-tests.js';
import { populationStabilityIndex } from './statistics/population-stability.js';
import { chiSquareTest } from './statistics/chi-square.js';
import { kolmogorovSmirnovTest } from './statistics/kolmogorov-smirnov.js';
import { addEvent, emptyWindow, compileProfile, type WindowState } from './window-accumulator.js';

const manifest = readModelManifest(join(repoRoot, 'models', 'fraud-demo', '1'));
const compiled = compileProfile(manifest);
const limits = { sampleSize: 500, maxCategories: 50 };
const bh: DecisionRule = { correction: 'bh', driftShare: 0.5, scoreDecides: true };
const meta = { reportId: 'r', windowKind: 'count' as const, lateEvents: 0 };

function windowOf(n: number, seed: number, shift?: TrafficShift, patch?: (f: Record<string, unknown>) => void): WindowState {
  const w = emptyWindow(manifest, 0, 0, seed);
  for (const e of referenceTraffic(manifest, { n, seed, idPrefix: 'w', shift })) {
    const features = { ...e.vector.features };
    patch?.(features);
    addEvent(w, compiled, features as typeof e.vector.features, e.prediction, limits);
  }
  return w;
}

function evaluate(w: WindowState, tests = '', rule = bh) {
  return evaluateWindow(w, manifest, resolveFeatureTests(manifest, parseFeatureTests(tests)), rule, meta);
}

describe('evaluateWindow', () => {
  it('does not flag a window drawn from the reference profile', () => {
    const r = evaluate(windowOf(1000, 11));
    expect(r.drifted_features).toEqual([]);
    expect(r.drifted).toBe(false);
    expect(r.features.map((f) => f.feature)).toEqual([
      ...Object.keys(manifest.referenceProfile.features),
      'merchant_category',
      'country',
      'channel',
      'score',
    ]);
  });

  it('flags the moved feature, the new category and the score, and only those', () => {
    const w = windowOf(1000, 12, {
      moveFeature: { name: 'hour_of_day', by: 1.5 },
      newCategory: { name: 'channel', value: 'moto', share: 0.2 },
      scoreAdd: 0.2,
    });
    const r = evaluate(w);
    expect(r.drifted_features).toEqual(['hour_of_day', 'channel', 'score']);
    const channel = r.features.find((f) => f.feature === 'channel')!;
    expect(channel).toMatchObject({ kind: 'categorical', statistic: 'chisquare', unseen_categories: ['moto'], sample_size: 1000 });
    expect(channel.p_value_adjusted).toBeLessThan(0.05);
    const moto = w.categorical['channel']!.counts['moto']!;
    expect(moto).toBeGreaterThan(150);
    // Three categorical features with 1000 values each; only channel's "moto" values are unseen.
    expect(r.unseen_category_rate).toBeCloseTo(moto / 3000, 12);
    expect(r.drifted).toBe(true); // the score decides
  });

  it('matches the statistics computed directly on the window’s histogram, sample and table', () => {
    const w = windowOf(800, 13, { moveFeature: { name: 'amount', by: 0.5 } });
    const r = evaluate(w, 'amount=ks:0.05,txn_count_1h=psi:0.1');
    const amount = r.features.find((f) => f.feature === 'amount')!;
    const ks = kolmogorovSmirnovTest(manifest.referenceProfile.features['amount']!.sample!, w.numeric['amount']!.sample);
    expect(amount).toMatchObject({ statistic: 'ks', value: ks.statistic, p_value: ks.pValue, sample_size: 800 });
    const txn = r.features.find((f) => f.feature === 'txn_count_1h')!;
    expect(txn.value).toBe(
      populationStabilityIndex(manifest.referenceProfile.features['txn_count_1h']!.shares, w.numeric['txn_count_1h']!.counts),
    );
    expect(txn.threshold).toBe(0.1);
    const country = r.features.find((f) => f.feature === 'country')!;
    const freq = manifest.referenceProfile.categorical!['country']!.frequencies;
    const keys = Object.keys(freq);
    const chi = chiSquareTest(
      keys.map((k) => Math.round(freq[k]! * manifest.referenceProfile.rows)),
      keys.map((k) => w.categorical['country']!.counts[k] ?? 0),
    );
    expect(country.value).toBe(chi.statistic);
    expect(country.p_value).toBe(chi.pValue);
  });

  it('corrects p-values across the window: Bonferroni multiplies by the number of p-value tests', () => {
    const w = windowOf(600, 14);
    const tests = 'amount=ks:0.05,log_amount=ks:0.05';
    const none = evaluate(w, tests, { ...bh, correction: 'none' });
    const bonf = evaluate(w, tests, { ...bh, correction: 'bonferroni' });
    const withP = none.features.filter((f) => f.p_value !== null);
    expect(withP).toHaveLength(5); // two KS + three chi-square
    for (const f of withP) {
      const b = bonf.features.find((x) => x.feature === f.feature)!;
      expect(b.p_value_adjusted).toBeCloseTo(Math.min(1, f.p_value! * 5), 12);
      expect(f.p_value_adjusted).toBe(f.p_value);
    }
  });

  it('calls the model drifted when the share of drifted features reaches DRIFT_SHARE, without the score', () => {
    const w = windowOf(800, 15, { moveFeature: { name: 'amount', by: 2 } });
    const rule = { ...bh, scoreDecides: false };
    const one = evaluate(w, '', rule);
    expect(one.drifted_features).toEqual(['amount']);
    expect(one.drift_share).toBeCloseTo(1 / 11, 12);
    expect(one.drifted).toBe(false);
    expect(evaluate(w, '', { ...rule, driftShare: 0.09 }).drifted).toBe(true);
  });

  it('reports missing values, out-of-range values, freshness and the positive-rate change', () => {
    const w = windowOf(400, 16, undefined, (f) => {
      f['amount'] = (f['amount'] as number) + 1e6; // beyond training max
      f['country'] = null;
    });
    const r = evaluate(w);
    const amount = r.features.find((f) => f.feature === 'amount')!;
    expect(amount.out_of_range_rate).toBe(1);
    expect(r.out_of_range_rate).toBeCloseTo(400 / (400 * 8), 12);
    const country = r.features.find((f) => f.feature === 'country')!;
    expect(country).toMatchObject({ missing_rate: 1, sample_size: 0, drifted: false });
    expect(r.missing_rate).toBeCloseTo(400 / (400 * 11), 12);
    expect(r.freshness_mean_ms).toBe(20);
    expect(r.freshness_max_ms).toBe(20);
    expect(r.reference_positive_rate).toBe(manifest.referenceProfile.positiveRate);
    expect(r.positive_rate_change).toBeCloseTo(r.positive_rate - manifest.referenceProfile.positiveRate, 12);
  });

  it('counts categories named like Object.prototype members as ordinary unseen categories', () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
    let i = 0;
    const w = windowOf(400, 18, undefined, (f) => {
      if (i++ % 4 === 0) f['country'] = names[(i >> 2) % names.length];
    });
    expect(Object.getPrototypeOf(w.categorical['country']!.counts)).toBe(Object.prototype);
    const restored = JSON.parse(JSON.stringify(w)) as WindowState; // the Redis round trip keeps them
    for (const win of [w, restored]) {
      const country = evaluate(win).features.find((f) => f.feature === 'country')!;
      expect(country.unseen_categories).toEqual([...names].sort());
      expect(country.sample_size).toBe(400);
      expect(country.drifted).toBe(true);
      expect(Object.values(win.categorical['country']!.counts).every((c) => Number.isInteger(c))).toBe(true);
    }
  });

  it('builds chi-square reference counts from the training rows that had a value', () => {
    const halfMissing = structuredClone(manifest);
    halfMissing.referenceProfile.categorical!['country']!.missingShare = 0.5;
    const w = windowOf(500, 19);
    const r = evaluateWindow(w, halfMissing, resolveFeatureTests(halfMissing, new Map()), bh, meta);
    const freq = manifest.referenceProfile.categorical!['country']!.frequencies;
    const keys = Object.keys(freq);
    const expected = chiSquareTest(
      keys.map((k) => Math.round(freq[k]! * manifest.referenceProfile.rows * 0.5)),
      keys.map((k) => w.categorical['country']!.counts[k] ?? 0),
    );
    expect(r.features.find((f) => f.feature === 'country')!.value).toBe(expected.statistic);
  });

  it('reports an empty window as clean, with zeros', () => {
    const r = evaluate(emptyWindow(manifest, 5, 10, 1));
    expect(r).toMatchObject({
      drifted: false,
      sample_size: 0,
      positive_rate: 0,
      missing_rate: 0,
      drifted_features: [],
      window_start: 5,
      window_end: 10,
    });
    expect(r.features.every((f) => f.value === 0 && !f.drifted)).toBe(true);
  });
});

describe('window accumulator bounds', () => {
  it('keeps at most sampleSize values per feature and maxCategories categories, pooling the rest', () => {
    const w = emptyWindow(manifest, 0, 0, 1);
    const events = referenceTraffic(manifest, { n: 3000, seed: 17, idPrefix: 'b' });
    events.forEach((e, i) =>
      addEvent(w, compiled, { ...e.vector.features, merchant_category: `m${i}` }, e.prediction, {
        sampleSize: 100,
        maxCategories: 10,
      }),
    );
    expect(w.numeric['amount']!.sample).toHaveLength(100);
    expect(w.numeric['amount']!.seen).toBe(3000);
    expect(Object.keys(w.categorical['merchant_category']!.counts)).toHaveLength(10);
    expect(w.categorical['merchant_category']!.overflow).toBe(2990);
    // Training's categories are counted on their own even once the map is full of unseen ones.
    const known = Object.keys(manifest.referenceProfile.categorical!['merchant_category']!.frequencies)[0]!;
    addEvent(w, compiled, { ...events[0]!.vector.features, merchant_category: known }, events[0]!.prediction, {
      sampleSize: 100,
      maxCategories: 10,
    });
    expect(w.categorical['merchant_category']!.counts[known]).toBe(1);
    expect(w.categorical['merchant_category']!.overflow).toBe(2990);
    const r = evaluate(w);
    expect(r.features.find((f) => f.feature === 'merchant_category')!.unseen_categories).toContain('__other__');
    expect(JSON.stringify(w).length).toBeLessThan(40_000);
  });
});

describe('window reservoir', () => {
  it('keeps every value with the same probability, early or late in the window (Algorithm L)', () => {
    const n = 2000;
    const size = 50;
    const decile = new Array<number>(10).fill(0);
    const [e] = referenceTraffic(manifest, { n: 1, seed: 1, idPrefix: 'r' });
    for (let trial = 0; trial < 200; trial++) {
      const w = emptyWindow(manifest, 0, 0, 1000 + trial);
      for (let i = 0; i < n; i++)
        addEvent(w, compiled, { ...e!.vector.features, amount: i }, e!.prediction, { sampleSize: size, maxCategories: 5 });
      const sample = w.numeric['amount']!.sample;
      expect(new Set(sample).size).toBe(size);
      for (const v of sample) decile[Math.floor((v / n) * 10)]!++;
    }
    // 200 x 50 = 10,000 draws, 1,000 expected per decile (sd about 30).
    for (const c of decile) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});

describe('DRIFT_FEATURE_TESTS', () => {
  it('parses overrides and rejects unknown tests, features, unfit tests and malformed entries', () => {
    expect([...parseFeatureTests(' amount=ks:0.01, country=jensenshannon:0.1 ')]).toEqual([
      ['amount', { test: 'ks', threshold: 0.01 }],
      ['country', { test: 'jensenshannon', threshold: 0.1 }],
    ]);
    expect(() => parseFeatureTests('amount=ttest:0.1')).toThrow(expect.objectContaining({ code: 'TW_DRIFT_CONFIG_INVALID' }));
    expect(() => parseFeatureTests('amount')).toThrow(expect.objectContaining({ code: 'TW_DRIFT_CONFIG_INVALID' }));
    expect(() => resolveFeatureTests(manifest, parseFeatureTests('nope=psi:0.1'))).toThrow(/nope: not a feature/);
    expect(() => resolveFeatureTests(manifest, parseFeatureTests('country=ks:0.1'))).toThrow(/does not fit/);
    expect(() => resolveFeatureTests(manifest, parseFeatureTests('amount=chisquare:0.1'))).toThrow(/does not fit/);
  });

  it('defaults to PSI 0.2 for numeric inputs and the score, chi-square 0.05 for categorical features', () => {
    const tests = resolveFeatureTests(manifest, new Map());
    expect(tests.get('amount')).toEqual({ test: 'psi', threshold: 0.2 });
    expect(tests.get('score')).toEqual({ test: 'psi', threshold: 0.2 });
    expect(tests.get('channel')).toEqual({ test: 'chisquare', threshold: 0.05 });
  });
});
