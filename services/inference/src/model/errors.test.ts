import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { modelErrors } from './errors.js';

describe('TW_MODEL_ error codes', () => {
  it('are all documented in the service README, and the README names no stale one', () => {
    const readme = new URL('../../README.md', import.meta.url).pathname;
    expect(checkDocumentedCodes(modelErrors.catalogue, modelErrors.prefix, readme)).toEqual({ missing: [], stale: [] });
  });
});
