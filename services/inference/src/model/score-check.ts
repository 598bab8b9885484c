import { modelErrors } from './errors.js';

/**
 * Whether a model output may be published as a score: a probability, so finite and in [0, 1].
 * A model fed values it never saw (or a broken one) can answer NaN, which compared with the
 * threshold gave `label: false`, "not fraud", with nobody noticing (issue 20).
 */
export function isValidScore(score: number): boolean {
  return score >= 0 && score <= 1;
}

/** The TW_MODEL_INVALID_SCORE error for an output that is not a valid score. */
export function invalidScore(score: number, model: { readonly name: string; readonly version: string }) {
  return modelErrors.create(
    'TW_MODEL_INVALID_SCORE',
    `model ${model.name} version ${model.version} returned ${score}, not a score in [0, 1]`,
  );
}
