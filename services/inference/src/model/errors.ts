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
  TW_MODEL_CLOSED: {
    retriable: false,
    description: 'score() was called after close(): the model session has been released.',
  },
});

export type ModelErrorCode = keyof typeof modelErrors.catalogue;
