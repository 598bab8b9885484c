import { describe, expect, it } from 'vitest';
import { alertFingerprint, labelNamesInGoOrder } from './alert-fingerprint.js';

const labels = { alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '1', severity: 'warning' };

describe('alertFingerprint', () => {
  it('does not depend on the order of the labels', () => {
    const reversed = Object.fromEntries(Object.entries(labels).reverse());
    expect(alertFingerprint(reversed)).toBe(alertFingerprint(labels));
  });

  it("is Alertmanager's fingerprint: FNV-1a 64 over names and values, 16 hex characters", () => {
    // The value Alertmanager 0.25.0 returned for this label set (services/alerting's identity test
    // checks many more against a running Alertmanager). Consumers deduplicate on it, so the recipe
    // must not change between releases.
    expect(alertFingerprint(labels)).toBe('dab47fda19f98b2d');
    expect(alertFingerprint({})).toBe('cbf29ce484222325');
  });

  it('orders names bytewise as Go does, not by UTF-16 code units', () => {
    // In UTF-16 U+1F600 (surrogates 0xD83D...) sorts before U+FF61; in UTF-8 (0xF0... after 0xEF...) after it.
    expect(labelNamesInGoOrder({ '\u{1F600}': 'a', '\uFF61': 'b' })).toEqual(['\uFF61', '\u{1F600}']);
  });

  it('differs when a label value or name differs', () => {
    const base = alertFingerprint(labels);
    expect(alertFingerprint({ ...labels, model_version: '2' })).not.toBe(base);
    expect(alertFingerprint({ ...labels, team: 'risk' })).not.toBe(base);
    expect(alertFingerprint({ a: 'b', c: 'd' })).not.toBe(alertFingerprint({ a: 'bc', d: '' }));
  });
});
