import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { lifecycleErrors } from './shutdown.js';

describe('TW_LIFECYCLE_ codes', () => {
  it('are each documented in docs/error-codes.md, with no stale entry', () => {
    const doc = new URL('../../../docs/error-codes.md', import.meta.url).pathname;
    expect(checkDocumentedCodes(lifecycleErrors.catalogue, lifecycleErrors.prefix, doc)).toEqual({ missing: [], stale: [] });
  });
});
