import { modelErrors } from './errors.js';
import type { FeatureSpec } from '@tidewater/model-manifest';
import type { FeatureVector } from '@tidewater/schemas';

/** A feature value as the feature service emits it: the value type of feature-vector.avsc's map. */
export type FeatureValue = FeatureVector['features'][string];

/** Writes one event's features into a row of a batch buffer; returns how many features were missing. */
export type RowWriter = (features: Readonly<Record<string, FeatureValue>>, out: Float32Array, offset: number) => { missing: number };

// The model's inputs are float32: a double beyond ±3.4e38 (a window sum near 1e308) is Infinity
// there, and a model fed Infinity answers NaN or a confident 0 or 1 (issue 20).
const finiteFloat32 = (v: number): number | undefined => (Number.isFinite(Math.fround(v)) ? v : undefined);

// A number, or a numeric string, as opposed to a missing, null or non-numeric value.
const isNumber = (v: FeatureValue | undefined): boolean =>
  typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)));

// Numbers must be finite as float32, booleans count as 0/1 and numeric strings are parsed, since
// the feature vector's map type allows all three; anything else takes the manifest default.
function numericValue(value: FeatureValue | undefined): number | undefined {
  if (typeof value === 'number') return finiteFloat32(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') return finiteFloat32(Number(value));
  return undefined;
}

/**
 * Builds the writer for a model's input columns: column i is `specs[i]`, and a missing,
 * null or non-numeric value becomes that feature's default. A number that is not finite as
 * float32 (beyond ±3.4e38 too) does the same with `nonFinite: 'default'`, and throws
 * TW_MODEL_NON_FINITE_INPUT with `'dead-letter'` (the manifest's `inputs.nonFinite`), so no
 * row the model scores holds NaN or Infinity.
 */
export function createRowWriter(specs: readonly FeatureSpec[], nonFinite: 'default' | 'dead-letter' = 'default'): RowWriter {
  const names = specs.map((s) => s.name);
  const defaults = specs.map((s) => s.default);
  const width = specs.length;
  return (features, out, offset) => {
    if (!Number.isInteger(offset) || offset < 0 || offset + width > out.length) {
      throw modelErrors.create(
        'TW_MODEL_BAD_BATCH',
        `row at offset ${offset} of width ${width} does not fit a buffer of ${out.length} floats`,
      );
    }
    let missing = 0;
    for (let i = 0; i < width; i++) {
      const name = names[i] as string;
      const raw = Object.hasOwn(features, name) ? features[name] : undefined;
      const value = numericValue(raw);
      if (value === undefined && nonFinite === 'dead-letter' && isNumber(raw))
        throw modelErrors.create('TW_MODEL_NON_FINITE_INPUT', `feature ${name} is ${String(raw)}, not a finite float32`);
      if (value === undefined) {
        missing++;
        out[offset + i] = defaults[i] as number;
      } else {
        out[offset + i] = value;
      }
    }
    return { missing };
  };
}
