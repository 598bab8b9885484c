import { describe, expect, it } from 'vitest';
import { serdeErrors } from './errors.js';

describe('serde error catalogue', () => {
  it('describes every code and marks only registry trouble and missing preparation as retriable', () => {
    const retriable = Object.entries(serdeErrors.catalogue)
      .filter(([, spec]) => spec.retriable)
      .map(([code]) => code);
    expect(retriable.sort()).toEqual(['TW_SERDE_REGISTRY_UNAVAILABLE', 'TW_SERDE_SCHEMA_NOT_PREPARED']);
    for (const [code, spec] of Object.entries(serdeErrors.catalogue)) {
      expect(code).toMatch(/^TW_SERDE_[A-Z_]+$/);
      expect(spec.description.length).toBeGreaterThan(20);
    }
  });
});
