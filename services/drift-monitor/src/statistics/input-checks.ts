import { driftErrors } from '../errors.js';

/** Throws TW_DRIFT_EMPTY_SAMPLE / TW_DRIFT_NON_FINITE_VALUE for a sample that no statistic can use. */
export function assertUsableSample(values: readonly number[], name: string): void {
  if (values.length === 0) throw driftErrors.create('TW_DRIFT_EMPTY_SAMPLE', `${name} sample is empty`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw driftErrors.create('TW_DRIFT_NON_FINITE_VALUE', `${name} sample has a non-finite value at index ${bad}`, {
      details: { index: bad },
    });
  }
}

/** Throws unless `counts` are finite, non-negative and not all zero. */
export function assertUsableCounts(counts: readonly number[], name: string): void {
  if (counts.length === 0) throw driftErrors.create('TW_DRIFT_EMPTY_SAMPLE', `${name} has no bins`);
  counts.forEach((c, index) => {
    if (!Number.isFinite(c)) {
      throw driftErrors.create('TW_DRIFT_NON_FINITE_VALUE', `${name} has a non-finite count at index ${index}`, {
        details: { index },
      });
    }
    if (c < 0) {
      throw driftErrors.create('TW_DRIFT_NEGATIVE_COUNT', `${name} has a negative count at index ${index}`, {
        details: { index },
      });
    }
  });
  if (counts.every((c) => c === 0)) throw driftErrors.create('TW_DRIFT_EMPTY_SAMPLE', `${name} has only zero counts`);
}

/** Throws TW_DRIFT_LENGTH_MISMATCH when two histograms are not binned alike. */
export function assertSameLength(a: readonly number[], b: readonly number[], what: string): void {
  if (a.length !== b.length) {
    throw driftErrors.create('TW_DRIFT_LENGTH_MISMATCH', `${what}: ${a.length} reference bins vs ${b.length} current bins`, {
      details: { reference: a.length, current: b.length },
    });
  }
}
