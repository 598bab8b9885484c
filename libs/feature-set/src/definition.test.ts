import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { featureSetErrors } from './errors.js';
import { defaultFeatureSetPath, defineFeatureSet, loadFeatureSet, type FeatureSetFile } from './definition.js';

const cardFraudDoc = () => parse(readFileSync(defaultFeatureSetPath, 'utf8')) as FeatureSetFile;

function problems(doc: unknown): string[] {
  try {
    defineFeatureSet(doc);
  } catch (err) {
    if (featureSetErrors.is(err, 'TW_FEATURE_INVALID_DEFINITION')) return (err.details?.['problems'] as string[]) ?? [];
    throw err;
  }
  return [];
}

describe('the card-fraud feature set', () => {
  const fs = loadFeatureSet(defaultFeatureSetPath);

  it('has the demo model inputs, the drift monitor categoricals and aggregations over four windows', () => {
    expect(fs.name).toBe('card-fraud');
    expect(fs.entity).toBe('card_id');
    expect(fs.windows.map((w) => w.name)).toEqual(['10m', '1h', '24h', '7d']);
    expect(fs.outputNames).toEqual(
      expect.arrayContaining([
        'amount',
        'log_amount',
        'hour_of_day',
        'is_ecom',
        'is_night',
        'txn_count_1h',
        'amount_sum_1h',
        'amount_ratio_1h',
        'merchant_category',
        'country',
        'channel',
        'merchants_24h',
        'amount_stddev_7d',
        'amount_zscore_7d',
        'seconds_since_last_event',
      ]),
    );
    expect(fs.outputNames).not.toContain('event_time');
    expect(fs.version).toMatch(/^2-[0-9a-f]{12}$/);
  });

  it('sizes each ring to the window plus the allowed lateness', () => {
    const oneHour = fs.windows.find((w) => w.name === '1h')!;
    expect(oneHour).toMatchObject({ ms: 3_600_000, bucketMs: 60_000, buckets: 60, ring: 60 + 60 + 1, fields: ['amount'] });
    expect(fs.retentionMs).toBe(7 * 86_400_000 + 3_600_000);
  });
});

describe('defineFeatureSet', () => {
  it('derives the version from the definition: any change bumps it, formatting does not', () => {
    const base = defineFeatureSet(cardFraudDoc()).version;
    expect(defineFeatureSet(cardFraudDoc()).version).toBe(base);
    const edited = cardFraudDoc();
    edited.windows['1h'] = { bucket: '5m' };
    expect(defineFeatureSet(edited).version).not.toBe(base);
    const renamed = cardFraudDoc();
    renamed.features[0] = { ...renamed.features[0]!, output: true }; // the default, spelled out
    expect(defineFeatureSet(renamed).version).toBe(base);
    expect(defineFeatureSet({ ...cardFraudDoc(), version: 3 }).version.startsWith('3-')).toBe(true);
  });

  it('lists every problem at once', () => {
    const doc = {
      name: 'x',
      version: 1,
      entity: 'card_id',
      allowed_lateness: '1h',
      windows: { '1h': { bucket: '7m' }, daily: { bucket: '1h' } },
      features: [
        { name: 'a', kind: 'aggregate', fn: 'sum', of: 'merchant_id', window: '1h' },
        { name: 'b', kind: 'aggregate', fn: 'count', window: '2h' },
        { name: 'c', kind: 'expression', expr: 'd + 1' },
        { name: 'd', kind: 'expression', expr: 'a +' },
        { name: 'a', kind: 'field', field: 'amount' },
        { name: 'e', kind: 'aggregate', fn: 'distinct_count', of: 'amount', window: '1h' },
      ],
    };
    const found = problems(doc);
    expect(found).toHaveLength(8);
    expect(found.join('\n')).toMatch(/bucket 7m must divide/);
    expect(found.join('\n')).toMatch(/window name is its length/);
    expect(found.join('\n')).toMatch(/sum needs "of" naming a numeric field/);
    expect(found.join('\n')).toMatch(/unknown window 2h/);
    expect(found.join('\n')).toMatch(/reads d, which is not a feature defined above it/);
    expect(found.join('\n')).toMatch(/cannot parse/);
    expect(found.join('\n')).toMatch(/duplicate name/);
    expect(found.join('\n')).toMatch(/distinct_count needs "of" naming a string field/);
  });

  it('rejects unknown keys and fields through the zod schema', () => {
    expect(problems({ ...cardFraudDoc(), extra: 1 }).join()).toMatch(/Unrecognized key/);
    expect(problems({ ...cardFraudDoc(), features: [{ name: 'x', kind: 'field', field: 'password' }] }).join()).toMatch(
      /features\.0\.field/,
    );
  });
});
