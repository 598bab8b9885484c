import { defineErrors } from '@tidewater/errors';

/** Error catalogue of the inference stream path: batching, the scoring pool and delivery. */
export const inferenceErrors = defineErrors('TW_INFER_', {
  TW_INFER_BAD_OPTIONS: {
    retriable: false,
    description: 'A batcher or scoring pool was configured with an impossible setting (batch size or pool size below 1).',
  },
  TW_INFER_BAD_REQUEST: {
    retriable: false,
    description: 'A caller asked the batcher to score a row count that does not fit its buffer: a bug in the caller.',
  },
  TW_INFER_BATCHER_CLOSED: {
    retriable: true,
    description: 'Rows were submitted while the service shuts down; the batch is redelivered to another worker.',
  },
  TW_INFER_POOL_WORKER_FAILED: {
    retriable: true,
    description: 'A scoring worker thread exited or failed to load the model; it is replaced and the batch is retried.',
  },
  TW_INFER_TRANSACTION_FAILED: {
    retriable: true,
    description: 'In exactly-once mode a Kafka transaction could not commit; it was aborted and the batch is retried.',
  },
});

export type InferenceErrorCode = keyof typeof inferenceErrors.catalogue;
