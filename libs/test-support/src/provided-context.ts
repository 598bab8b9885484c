import type { KafkaKind } from '@tidewater/dev-stack';

// What the global setups in test/ hand to test files through vitest's provide/inject; declared
// here, next to the helpers that inject it, so every package's tests see the same names.
declare module 'vitest' {
  export interface ProvidedContext {
    /** dotenv file with KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL (and KAFKA_MOCK_CONTROL_PORT on the mock). */
    stackEnvFile: string;
    /** Which Kafka the stack runs: Apache Kafka, or librdkafka's mock for the `*.mock-kafka.int.test.ts` files. */
    kafkaKind: KafkaKind;
    /** The Redis of the `redis` project: REDIS_URL when it answers, else a redis-server started for the run. */
    redisUrl: string;
  }
}
