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
