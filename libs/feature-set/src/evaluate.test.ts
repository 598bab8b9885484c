import { spawnSync } from 'node:child_process';
import type { PaymentEvent } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';
import { defineFeatureSet } from './definition.js';
import { evaluateFeatures, type FeatureInputs } from './evaluate.js';

const featureSet = defineFeatureSet({
  name: 'evaluate-test',
  version: 1,
  entity: 'card_id',
  allowed_lateness: '1h',
  windows: { '1h': { bucket: '1m' } },
  features: [
    { name: 'amount', kind: 'field', field: 'amount' },
    { name: 'amount_mean_1h', kind: 'aggregate', fn: 'mean', of: 'amount', window: '1h', output: false },
    { name: 'ratio', kind: 'expression', expr: 'amount_mean_1h > 0 ? amount / amount_mean_1h : null' },
    { name: 'since_last', kind: 'seconds_since_last_event' },
    { name: 'country', kind: 'field', field: 'country' },
  ],
});

const event: PaymentEvent = {
  event_id: 'e-1',
  occurred_at: Date.UTC(2025, 0, 1, 12),
  ingested_at: Date.UTC(2025, 0, 1, 12),
  card_id: 'c-1',
  amount: 30,
  currency: 'EUR',
  merchant_id: 'm-1',
  merchant_category: '5411',
  country: 'DE',
  channel: 'pos',
};

const inputs = (count: number, sum: number, previousEventTime: number | null): FeatureInputs => ({
  previousEventTime,
  windows: { '1h': { count, fields: { amount: { sum, sumsq: 0, min: null, max: null } }, distinct: {} } },
});

describe('evaluateFeatures', () => {
  it('returns the output features in definition order, hidden ones left out, null where nothing can be computed', () => {
    const out = evaluateFeatures(featureSet, event, inputs(3, 60, event.occurred_at - 90_000));
    expect(Object.entries(out)).toEqual([
      ['amount', 30],
      ['ratio', 1.5],
      ['since_last', 90],
      ['country', 'DE'],
    ]);
    expect(evaluateFeatures(featureSet, event, inputs(0, 0, null))).toEqual({ amount: 30, ratio: null, since_last: null, country: 'DE' });
  });

  it('computes only the features asked for and what they read, in the order asked', () => {
    expect(Object.entries(evaluateFeatures(featureSet, event, inputs(2, 20, null), ['ratio', 'amount_mean_1h', 'unknown']))).toEqual([
      ['ratio', 3],
      ['amount_mean_1h', 10],
      ['unknown', null],
    ]);
  });

  it('gives every vector the same hidden class, with fast properties', () => {
    // V8's natives syntax (%HasFastProperties, %HaveSameMap) needs a flag, so the check runs in a
    // child process, on the card-fraud set's 23 output features (the service's real vectors):
    // two vectors whose values differ in kind (numbers, nulls, strings) share one map.
    const script = `
      import { evaluateFeatures } from ${JSON.stringify(new URL('./evaluate.ts', import.meta.url).pathname)};
      import { defaultFeatureSetPath, loadFeatureSet } from ${JSON.stringify(new URL('./definition.ts', import.meta.url).pathname)};
      const set = loadFeatureSet(defaultFeatureSetPath);
      const e = ${JSON.stringify(event)};
      const w = { count: 1, fields: { amount: { sum: 30, sumsq: 900, min: 30, max: 30 } }, distinct: { merchant_id: 1, country: 1 } };
      const a = evaluateFeatures(set, e, { previousEventTime: null, windows: { '10m': w, '1h': w, '24h': w, '7d': w } });
      const b = evaluateFeatures(set, { ...e, amount: 0, country: 'FR' }, { previousEventTime: e.occurred_at - 1000, windows: {} });
      console.log(JSON.stringify({ keys: Object.keys(a).length, fast: %HasFastProperties(a) && %HasFastProperties(b), sameMap: %HaveSameMap(a, b) }));
    `;
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ keys: 23, fast: true, sameMap: true });
  });
});
