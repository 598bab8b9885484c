import { describe, expect, it } from 'vitest';
import { alertFingerprint } from './alert-fingerprint.js';

const labels = { alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '1', severity: 'warning' };

describe('alertFingerprint', () => {
  it('does not depend on the order of the labels', () => {
    const reversed = Object.fromEntries(Object.entries(labels).reverse());
    expect(alertFingerprint(reversed)).toBe(alertFingerprint(labels));
  });

  it('is stable across releases: 16 hex characters of sha256 over the sorted label set', () => {
    // Alert consumers deduplicate on it, so changing the recipe would duplicate every open alert.
    expect(alertFingerprint(labels)).toBe('a42ff5439665070a');
    expect(alertFingerprint({})).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs when a label value or name differs', () => {
    const base = alertFingerprint(labels);
    expect(alertFingerprint({ ...labels, model_version: '2' })).not.toBe(base);
    expect(alertFingerprint({ ...labels, team: 'risk' })).not.toBe(base);
    expect(alertFingerprint({ a: 'b', c: 'd' })).not.toBe(alertFingerprint({ a: 'bc', d: '' }));
  });
});
