import { defineErrors } from '@tidewater/errors';

/** Error catalogue of the development Kafka (mock cluster launcher and its control client). */
export const devKafkaErrors = defineErrors('TW_DEVKAFKA_', {
  TW_DEVKAFKA_TOOLCHAIN_MISSING: {
    retriable: false,
    description: 'gcc or librdkafka-dev is not installed, so the mock cluster cannot be built: run `apt-get install librdkafka-dev gcc`.',
  },
  TW_DEVKAFKA_BUILD_FAILED: {
    retriable: false,
    description: 'gcc failed to compile native/mock-cluster.c; the error details carry the compiler output.',
  },
  TW_DEVKAFKA_INVALID_OPTIONS: {
    retriable: false,
    description: 'startMockKafka or a control command got an invalid argument (broker count, topic name, partition count, port).',
  },
  TW_DEVKAFKA_START_FAILED: {
    retriable: false,
    description: 'The mock cluster process exited before it was ready; the details carry its exit code and last output.',
  },
  TW_DEVKAFKA_START_TIMEOUT: {
    retriable: true,
    description: 'The mock cluster did not report ready in time (busy machine?); the process was killed, try again.',
  },
  TW_DEVKAFKA_CONTROL_UNAVAILABLE: {
    retriable: true,
    description: 'The control port could not be reached or the connection dropped (the cluster is gone or restarting).',
  },
  TW_DEVKAFKA_CONTROL_TIMEOUT: {
    retriable: true,
    description: 'A control command got no reply in time.',
  },
  TW_DEVKAFKA_CONTROL_REJECTED: {
    retriable: false,
    description: 'The mock cluster answered a control command with an error (unknown broker, existing topic, bad usage).',
  },
  TW_DEVKAFKA_CONTROL_CLOSED: {
    retriable: false,
    description: 'A control command was sent after close() or shutdown() on the same control connection.',
  },
});

export type DevKafkaErrorCode = keyof typeof devKafkaErrors.catalogue;
