import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { repoRoot } from '@tidewater/schemas';
import { runtimeErrors } from './errors.js';

describe('TW_RUNTIME_ codes', () => {
  it('are each documented in docs/error-codes.md, with no stale entry', () => {
    expect(checkDocumentedCodes(runtimeErrors.catalogue, runtimeErrors.prefix, `${repoRoot}docs/error-codes.md`)).toEqual({
      missing: [],
      stale: [],
    });
  });
});
