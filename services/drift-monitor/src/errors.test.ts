import { describe, expect, it } from 'vitest';
import { checkDocumentedCodes } from '@tidewater/errors';
import { driftErrors } from './errors.js';

describe('TW_DRIFT_ codes', () => {
  it('are each documented in services/drift-monitor/README.md, with no stale entry', () => {
    const readme = new URL('../README.md', import.meta.url).pathname;
    expect(checkDocumentedCodes(driftErrors.catalogue, driftErrors.prefix, readme)).toEqual({ missing: [], stale: [] });
  });

  it('are none of them retriable: bad input stays bad', () => {
    expect(Object.values(driftErrors.catalogue).every((spec) => !spec.retriable)).toBe(true);
  });
});
