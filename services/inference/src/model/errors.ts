import { defineErrors } from '@tidewater/errors';

/** Error catalogue of the inference service's model loading and scoring. */
export const modelErrors = defineErrors('TW_MODEL_', {
  TW_MODEL_LOAD_FAILED: {
    retriable: false,
    description:
      'The model files cannot be read, the ONNX file does not match the sha256 in its manifest, or ONNX Runtime refused to load it.',
  },
  TW_MODEL_SIGNATURE_MISMATCH: {
    retriable: false,
    description: "The ONNX graph's inputs or outputs (names, dtype, feature count) differ from what its manifest declares.",
  },
  TW_MODEL_BAD_BATCH: {
    retriable: false,
    description: 'A caller passed a row buffer, offset or batch size that does not fit the model: a bug in the caller.',
  },
  TW_MODEL_SCORE_FAILED: {
    retriable: false,
    description: 'ONNX Runtime failed to run the model on a batch, or returned an output of an unexpected type or shape.',
  },
  TW_MODEL_NON_FINITE_INPUT: {
    retriable: false,
    description:
      'A feature value is not finite as float32 and the manifest says inputs.nonFinite: dead-letter; the record is dead-lettered, not scored.',
  },
  TW_MODEL_INVALID_SCORE: {
    retriable: false,
    description:
      'The model returned NaN, ±Infinity or a value outside [0, 1] as a score: never published; the stream dead-letters the record, OIP answers 500.',
  },
  TW_MODEL_CLOSED: {
    retriable: false,
    description: 'score() was called after close(): the model session has been released.',
  },
  TW_MODEL_NOT_LOADED: {
    retriable: true,
    description:
      'No version of the model is loaded (yet, or any more): the repository cannot route its events; retry once a version is loaded.',
  },
  TW_MODEL_VERSION_NOT_FOUND: {
    retriable: false,
    description: 'An admin request names a model version that has no directory in the repository, or one that is not loaded.',
  },
  TW_MODEL_POLICY_INVALID: {
    retriable: false,
    description: "A model's policy.json or an admin policy request fails the traffic-policy schema, or names a version that is not loaded.",
  },
  TW_MODEL_POLICY_CONFLICT: {
    retriable: false,
    description:
      "An admin policy change was built on a revision of policy.json that is no longer current (If-Match), or another replica held the file's lock too long: read the policy again and retry.",
  },
  TW_MODEL_POLICY_READONLY: {
    retriable: false,
    description:
      'An admin policy change cannot be written because the model repository is read-only for this process (EROFS, EACCES, EPERM): mount it writable or change policy.json where it is managed.',
  },
  TW_MODEL_REPOSITORY_UNREADABLE: {
    retriable: false,
    description: 'The model repository root directory does not exist or cannot be listed.',
  },
  TW_MODEL_REPOSITORY_CLOSED: {
    // Retriable: it means this process is shutting down, not that the event is bad, so a batch
    // caught by it is retried (by another worker after the rebalance), never dead-lettered.
    retriable: true,
    description:
      'The model repository was used after close() (the process is shutting down): retry on another worker; never dead-lettered.',
  },
  TW_MODEL_BAD_INFER_REQUEST: {
    retriable: false,
    description:
      "An Open Inference Protocol request's inputs do not fit the model: unknown or missing tensor names, wrong datatype, shape or data length.",
  },
});

export type ModelErrorCode = keyof typeof modelErrors.catalogue;
