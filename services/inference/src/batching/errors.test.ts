import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { inferenceErrors } from './errors.js';

describe('TW_INFER_ error codes', () => {
  it('are all documented in the service README, and the README names no stale one', () => {
    const readme = new URL('../../README.md', import.meta.url).pathname;
    expect(checkDocumentedCodes(inferenceErrors.catalogue, inferenceErrors.prefix, readme)).toEqual({ missing: [], stale: [] });
  });
});
