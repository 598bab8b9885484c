import { defineErrors } from '@tidewater/errors';

/** Error catalogue of the development Kafka: the Apache Kafka launcher, the mock cluster launcher and its control client. */
export const devKafkaErrors = defineErrors('TW_DEVKAFKA_', {
  TW_DEVKAFKA_TOOLCHAIN_MISSING: {
    retriable: false,
    description: 'gcc or librdkafka-dev is not installed, so the mock cluster cannot be built: run `apt-get install librdkafka-dev gcc`.',
  },
  TW_DEVKAFKA_JAVA_MISSING: {
    retriable: false,
    description: 'Apache Kafka needs Java 17+ and Maven (to resolve its jars once): run `apt-get install default-jre-headless maven`.',
  },
  TW_DEVKAFKA_JARS_FAILED: {
    retriable: true,
    description:
      'Maven could not resolve the Apache Kafka jars that apache/pom.xml pins (Maven Central unreachable?); the details carry its output.',
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
    description: 'The Kafka process (Apache Kafka node or mock cluster) exited before it was ready; the message names its log file.',
  },
  TW_DEVKAFKA_START_TIMEOUT: {
    retriable: true,
    description:
      'Kafka (Apache Kafka or the mock cluster) was not ready in time (busy machine?); it was stopped and the message names its logs; try again.',
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
