import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { httpErrors } from './errors.js';

describe('TW_HTTP_ codes', () => {
  it('are each documented in docs/error-codes.md, with no stale entry', () => {
    const doc = new URL('../../../docs/error-codes.md', import.meta.url).pathname;
    expect(checkDocumentedCodes(httpErrors.catalogue, httpErrors.prefix, doc)).toEqual({ missing: [], stale: [] });
  });
});
