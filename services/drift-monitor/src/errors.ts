import { defineErrors } from '@tidewater/errors';

/** Error catalogue of drift-monitor (statistics, configuration, saved state); every code is documented in services/drift-monitor/README.md. */
export const driftErrors = defineErrors('TW_DRIFT_', {
  TW_DRIFT_EMPTY_SAMPLE: {
    retriable: false,
    description:
      'A sample or histogram handed to a drift statistic has no observations (or all-zero counts); wait for data before computing drift.',
  },
  TW_DRIFT_NON_FINITE_VALUE: {
    retriable: false,
    description: 'A sample, count or p-value is NaN or infinite; the feature extraction upstream produced a bad value.',
  },
  TW_DRIFT_NEGATIVE_COUNT: {
    retriable: false,
    description: 'A histogram bin or category count is negative; counts and weights must be >= 0.',
  },
  TW_DRIFT_LENGTH_MISMATCH: {
    retriable: false,
    description: 'Reference and current histograms have different numbers of bins or categories; both must use the same binning.',
  },
  TW_DRIFT_CONFIG_INVALID: {
    retriable: false,
    description:
      'DRIFT_FEATURE_TESTS names an unknown feature or test, a test unfit for the feature, or a sample test without a reference sample.',
  },
  TW_DRIFT_STATE_CORRUPT: {
    retriable: false,
    description: 'The window state read from Redis does not parse or belongs to another manifest; the service starts with fresh windows.',
  },
  TW_DRIFT_INVALID_P_VALUE: {
    retriable: false,
    description: 'A p-value passed to a multiple-testing correction lies outside [0, 1].',
  },
});

export type DriftErrorCode = keyof typeof driftErrors.catalogue;
