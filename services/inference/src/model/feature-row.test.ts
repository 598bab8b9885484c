import { describe, expect, it } from 'vitest';
import { createRowWriter } from './feature-row.js';
import type { FeatureSpec } from '@tidewater/model-manifest';

const spec = (name: string, dflt: number): FeatureSpec => ({ name, dtype: 'float32', min: 0, max: 100, default: dflt });
const specs = [spec('amount', 25), spec('is_ecom', 0), spec('txn_count_1h', 1), spec('constructor', 7)];

describe('createRowWriter', () => {
  it('writes values in spec order at the offset and leaves the rest of the buffer alone', () => {
    const out = new Float32Array(10).fill(-1);
    const { missing } = createRowWriter(specs)({ txn_count_1h: 3, amount: 12.5, is_ecom: 1, constructor: 2, extra: 99 }, out, 3);
    expect(missing).toBe(0);
    expect([...out]).toEqual([-1, -1, -1, 12.5, 1, 3, 2, -1, -1, -1]);
  });

  it('fills defaults for absent, null, non-finite and non-numeric values and counts them', () => {
    const out = new Float32Array(4);
    const write = createRowWriter(specs);
    expect(write({}, out, 0)).toEqual({ missing: 4 });
    expect([...out]).toEqual([25, 0, 1, 7]);
    expect(write({ amount: Number.NaN, is_ecom: null, txn_count_1h: 'many', constructor: Number.POSITIVE_INFINITY }, out, 0)).toEqual({
      missing: 4,
    });
    expect([...out]).toEqual([25, 0, 1, 7]);
  });

  it("fills defaults for values finite as doubles but not as the model's float32 (issue 20)", () => {
    const out = new Float32Array(4);
    const write = createRowWriter(specs);
    expect(write({ amount: 1e308, is_ecom: Number.MAX_VALUE, txn_count_1h: '1e39', constructor: -3.5e38 }, out, 0)).toEqual({ missing: 4 });
    expect([...out]).toEqual([25, 0, 1, 7]);
    expect(write({ amount: 3.4e38, is_ecom: 5e-324, txn_count_1h: -0, constructor: 1e-40 }, out, 0)).toEqual({ missing: 0 });
    expect([...out].every(Number.isFinite)).toBe(true);
  });

  it('throws TW_MODEL_NON_FINITE_INPUT for such a number when the manifest says nonFinite: dead-letter', () => {
    const write = createRowWriter(specs, 'dead-letter');
    const out = new Float32Array(4);
    for (const bad of [1e39, Number.MAX_VALUE, Number.NaN, Number.NEGATIVE_INFINITY, '1e39'])
      expect(() => write({ amount: 1, is_ecom: 0, txn_count_1h: bad, constructor: 2 }, out, 0)).toThrow(
        expect.objectContaining({ code: 'TW_MODEL_NON_FINITE_INPUT' }),
      );
    // Missing, null and non-numeric values still take the default.
    expect(write({ amount: null, is_ecom: 'yes' }, out, 0)).toEqual({ missing: 4 });
  });

  it('takes booleans as 0/1 and numeric strings as numbers', () => {
    const out = new Float32Array(4);
    expect(createRowWriter(specs)({ amount: ' 40.5 ', is_ecom: true, txn_count_1h: false, constructor: '' }, out, 0)).toEqual({
      missing: 1,
    });
    expect([...out]).toEqual([40.5, 1, 0, 7]);
  });

  it('does not read inherited properties as features', () => {
    const out = new Float32Array(4);
    expect(createRowWriter(specs)({ amount: 1, is_ecom: 0, txn_count_1h: 1 }, out, 0)).toEqual({ missing: 1 });
    expect(out[3]).toBe(7);
  });

  it('refuses a row that would overflow the buffer', () => {
    const write = createRowWriter(specs);
    expect(() => write({}, new Float32Array(4), 1)).toThrow(expect.objectContaining({ code: 'TW_MODEL_BAD_BATCH' }));
    expect(() => write({}, new Float32Array(8), -1)).toThrow(expect.objectContaining({ code: 'TW_MODEL_BAD_BATCH' }));
  });
});
