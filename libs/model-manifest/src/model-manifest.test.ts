import { readFileSync } from 'node:fs';
import { checkDocumentedCodes } from '@tidewater/errors';
import { describe, expect, it } from 'vitest';
import { manifestErrors } from './errors.js';
import { modelManifestSchema, parseModelManifest, referenceBinIndex } from './model-manifest.js';
import type { ModelManifest } from './model-manifest.js';

const committed = JSON.parse(readFileSync(new URL('../../../models/fraud-demo/1/manifest.json', import.meta.url), 'utf8')) as ModelManifest;

describe('modelManifestSchema', () => {
  it('accepts the committed demo manifest, with a profile and coefficients for every feature', () => {
    const m = parseModelManifest(committed, 'committed');
    const names = m.inputs.features.map((f) => f.name);
    expect(Object.keys(m.referenceProfile.features).sort()).toEqual([...names].sort());
    expect(m.training.coefficients?.weights).toHaveLength(names.length);
    expect(m.training.metrics.auc).toBeGreaterThan(0.9);
  });

  it('rejects duplicate features, unsorted bin edges, mismatched shares and coefficient counts', () => {
    const [first, ...rest] = committed.inputs.features;
    const amount = committed.referenceProfile.features['amount'];
    if (!first || !amount) throw new Error('committed manifest lacks amount');
    const broken = {
      ...committed,
      inputs: { ...committed.inputs, features: [first, first, ...rest] },
      referenceProfile: {
        ...committed.referenceProfile,
        features: { ...committed.referenceProfile.features, amount: { ...amount, binEdges: [3, 2, 1], shares: [1] } },
      },
    };
    const result = modelManifestSchema.safeParse(broken);
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((i) => i.message).join('\n');
    expect(messages).toMatch(/listed twice/);
    expect(messages).toMatch(/strictly ascending/);
    expect(messages).toMatch(/binEdges.length \+ 1/);
    expect(messages).toMatch(/one entry per feature/);
  });

  it('carries sorted reference samples and categorical frequencies for drift tests', () => {
    const m = parseModelManifest(committed, 'committed');
    const sample = m.referenceProfile.features['amount']?.sample ?? [];
    expect(sample.length).toBe(1000);
    expect(m.referenceProfile.score.sample?.length).toBe(1000);
    const channel = m.referenceProfile.categorical?.['channel'];
    expect(Object.keys(channel?.frequencies ?? {}).sort()).toEqual(['ecom', 'pos']);
    expect(Object.keys(m.referenceProfile.categorical ?? {}).sort()).toEqual(['channel', 'country', 'merchant_category']);
  });

  it('rejects unsorted samples, categorical shares not summing to 1 and a feature profiled twice', () => {
    const amount = committed.referenceProfile.features['amount'];
    if (!amount) throw new Error('committed manifest lacks amount');
    const broken = {
      ...committed,
      referenceProfile: {
        ...committed.referenceProfile,
        features: { ...committed.referenceProfile.features, amount: { ...amount, sample: [3, 1, 2] } },
        categorical: {
          country: { kind: 'categorical', frequencies: { DE: 0.5, FR: 0.2 }, missingShare: 0 },
          amount: { kind: 'categorical', frequencies: { x: 1 }, missingShare: 0 },
        },
      },
    };
    const messages = modelManifestSchema
      .safeParse(broken)
      .error?.issues.map((i) => i.message)
      .join('\n');
    expect(messages).toMatch(/sorted ascending/);
    expect(messages).toMatch(/frequencies must sum to 1/);
    expect(messages).toMatch(/numeric and categorical/);
  });

  it('still accepts a manifest without samples or categorical profiles (older model versions)', () => {
    const features = Object.fromEntries(
      Object.entries(committed.referenceProfile.features).map(([k, { sample: _s, ...rest }]) => [k, rest]),
    );
    const { categorical: _c, sampleSeed: _seed, ...profile } = committed.referenceProfile;
    const { sample: _ss, ...score } = profile.score;
    expect(modelManifestSchema.safeParse({ ...committed, referenceProfile: { ...profile, features, score } }).success).toBe(true);
  });

  it('takes inputs.nonFinite as default or dead-letter, absent meaning default, and nothing else', () => {
    expect(parseModelManifest(committed, 'committed').inputs.nonFinite).toBeUndefined();
    const withPolicy = (nonFinite: unknown) => modelManifestSchema.safeParse({ ...committed, inputs: { ...committed.inputs, nonFinite } });
    expect(withPolicy('dead-letter').success).toBe(true);
    expect(withPolicy('default').success).toBe(true);
    expect(withPolicy('drop').success).toBe(false);
  });

  it('throws TW_MANIFEST_INVALID naming the source', () => {
    expect(() => parseModelManifest({ name: 'x' }, '/models/x/manifest.json')).toThrow(
      expect.objectContaining({ code: 'TW_MANIFEST_INVALID', message: expect.stringContaining('/models/x/manifest.json') }),
    );
  });
});

describe('referenceBinIndex', () => {
  it('uses right-closed bins with open-ended first and last bins', () => {
    const edges = [0, 1, 5];
    expect([-3, 0, 0.5, 1, 4.9, 5, 5.1, 1e9].map((v) => referenceBinIndex(edges, v))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(referenceBinIndex([], 42)).toBe(0);
  });
});

describe('TW_MANIFEST_ error codes', () => {
  it('are all documented in the README', () => {
    const readme = new URL('../README.md', import.meta.url).pathname;
    expect(checkDocumentedCodes(manifestErrors.catalogue, manifestErrors.prefix, readme)).toEqual({ missing: [], stale: [] });
  });
});
