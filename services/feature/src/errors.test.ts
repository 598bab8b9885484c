import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { featureSetErrors } from '@tidewater/feature-set';
import { featureErrors } from './errors.js';

describe('TW_FEATURE_ error codes', () => {
  it('are all documented in the service README, and the README names no stale one', () => {
    const readme = new URL('../README.md', import.meta.url).pathname;
    // The feature-set definition's codes share the prefix and the README.
    const catalogue = { ...featureErrors.catalogue, ...featureSetErrors.catalogue };
    expect(checkDocumentedCodes(catalogue, featureErrors.prefix, readme)).toEqual({ missing: [], stale: [] });
  });
});
