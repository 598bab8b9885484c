import { defineErrors } from '@tidewater/errors';

/**
 * Errors of the feature service; each code is documented in services/feature/README.md. The
 * feature-set definition's own codes are in @tidewater/feature-set.
 */
export const featureErrors = defineErrors('TW_FEATURE_', {
  TW_FEATURE_MISSING_ENTITY: {
    retriable: false,
    description: "The event's entity key field is empty; the event is dead-lettered because it cannot be assigned to any state.",
  },
  TW_FEATURE_STATE_UPDATE_FAILED: {
    retriable: true,
    description:
      'Redis failed the window-state read or compare-and-set write, or another writer changed an entity 5 times in a row; the batch is retried and redelivered, never dead-lettered.',
  },
  TW_FEATURE_STATE_UNREADABLE: {
    retriable: false,
    description:
      "An entity's stored window state cannot be decoded (truncated, or not written by this service); it is logged and replaced by an empty state.",
  },
  TW_FEATURE_INVALID_REQUEST: {
    retriable: false,
    description:
      'A serving request (GET /v1/features/{entity} or batchGet) names an entity key outside the id contract or has the wrong shape; problems are listed per field.',
  },
  TW_FEATURE_EXPORT_FAILED: {
    retriable: false,
    description: 'The training export could not read the topics or write the output file; the message says which.',
  },
});

export type FeatureErrorCode = keyof typeof featureErrors.catalogue;
