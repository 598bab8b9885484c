import { defineErrors } from '@tidewater/errors';

/** Error codes of the Kafka runtime; they appear in logs and in dead-letter headers. */
export const kafkaErrors = defineErrors('TW_KAFKA_', {
  TW_KAFKA_HANDLER_FAILED: {
    retriable: false,
    description:
      'The service failed to process a record with an error it did not classify; the record was dead-lettered with the error message.',
  },
  TW_KAFKA_RETRIES_EXHAUSTED: {
    retriable: true,
    description:
      'A batch kept failing with retriable errors after every backoff attempt; the consumer rejoins and the batch is redelivered, nothing is committed.',
  },
  TW_KAFKA_CONSUMER_CRASHED: {
    retriable: false,
    description:
      'The consumer crashed and kafkajs will not restart it; readiness fails and the service shuts down with exit code 1 so its supervisor restarts it.',
  },
  TW_KAFKA_AUTH_FAILED: {
    retriable: false,
    description:
      'A broker refused the SASL credentials (wrong user, password or mechanism); the message names the mechanism, the user and the brokers. Fix KAFKA_SASL_* and restart.',
  },
  TW_KAFKA_SECURITY_FILE_UNREADABLE: {
    retriable: false,
    description:
      'A TLS or SASL file named by the Kafka security settings cannot be read or is empty; the message names the file, never its content.',
  },
  TW_KAFKA_DEAD_LETTER_FAILED: {
    retriable: true,
    description: 'Writing a record to the dead-letter topic failed; its offset is not committed so it will be processed again.',
  },
  TW_KAFKA_PARTITION_REVOKED: {
    retriable: true,
    description:
      'A rebalance took a partition away while its batch was being handled; the batch is abandoned, uncommitted, and its new owner handles it.',
  },
});

export type KafkaErrorCode = keyof typeof kafkaErrors.catalogue;
