import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { configErrors } from './load-config.js';

describe('TW_CONFIG_ codes', () => {
  it('are each documented in docs/error-codes.md, with no stale entry', () => {
    const doc = new URL('../../../docs/error-codes.md', import.meta.url).pathname;
    expect(checkDocumentedCodes(configErrors.catalogue, configErrors.prefix, doc)).toEqual({ missing: [], stale: [] });
  });
});
