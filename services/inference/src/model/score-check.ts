import { modelErrors } from './errors.js';

// A float32 sigmoid can round to 1 + 2^-23 (1.0000001192092896): the demo model did so for about one
// event in 200,000 under `npm run load`, and each was dead-lettered. A few units in the last
// place outside [0, 1] are float32 arithmetic, not a broken model, so they are clamped; anything
// further out (1.5, Infinity, NaN) is still refused.
const FLOAT32_SLACK = 2 ** -21;

/**
 * The score to publish for a model output, a probability: finite and in [0, 1] (clamped within
 * float32 rounding), else undefined. A model fed values it never saw (or a broken one) can answer
 * NaN, which compared with the threshold gave `label: false`, "not fraud", with nobody noticing
 * (issue 20).
 */
export function toScore(output: number): number | undefined {
  if (!(output >= -FLOAT32_SLACK && output <= 1 + FLOAT32_SLACK)) return undefined;
  return Math.min(1, Math.max(0, output));
}

/** The TW_MODEL_INVALID_SCORE error for an output that is not a valid score. */
export function invalidScore(score: number, model: { readonly name: string; readonly version: string }) {
  return modelErrors.create(
    'TW_MODEL_INVALID_SCORE',
    `model ${model.name} version ${model.version} returned ${score}, not a score in [0, 1]`,
  );
}
