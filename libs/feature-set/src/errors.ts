import { defineErrors } from '@tidewater/errors';

/**
 * Errors of feature-set definitions. Their codes keep the feature service's prefix, which raises them
 * at boot; both catalogues are documented in services/feature/README.md.
 */
export const featureSetErrors = defineErrors('TW_FEATURE_', {
  TW_FEATURE_INVALID_DEFINITION: {
    retriable: false,
    description:
      'The feature-set file is not valid: unknown field, window or function, a cycle, or a duplicate name. The message lists every problem.',
  },
  TW_FEATURE_INVALID_EXPRESSION: {
    retriable: false,
    description:
      'A feature expression does not parse or uses something the evaluator does not allow (only arithmetic, comparisons, && || !, ?: and the listed functions).',
  },
});

export type FeatureSetErrorCode = keyof typeof featureSetErrors.catalogue;
