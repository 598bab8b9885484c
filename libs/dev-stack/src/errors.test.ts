import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { repoRoot } from '@tidewater/schemas';
import { stackErrors } from './errors.js';

describe('TW_STACK_ codes', () => {
  it('are each documented in docs/error-codes.md, with no stale entry', () => {
    expect(checkDocumentedCodes(stackErrors.catalogue, stackErrors.prefix, `${repoRoot}docs/error-codes.md`)).toEqual({
      missing: [],
      stale: [],
    });
  });
});
