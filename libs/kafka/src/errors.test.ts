import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { repoRoot } from '@tidewater/schemas';
import { kafkaErrors } from './errors.js';
import { serdeErrors } from './serde/errors.js';

describe('TW_KAFKA_ and TW_SERDE_ codes', () => {
  it('are each documented in docs/error-codes.md, with no stale entry', () => {
    for (const c of [kafkaErrors, serdeErrors]) {
      expect(checkDocumentedCodes(c.catalogue, c.prefix, `${repoRoot}docs/error-codes.md`)).toEqual({ missing: [], stale: [] });
    }
  });
});
