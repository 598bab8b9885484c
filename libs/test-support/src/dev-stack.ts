import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { inject } from 'vitest';
import { dirname } from 'node:path';
import { connectMockKafkaControl, type MockKafkaControl } from '@tidewater/dev-kafka';
import { createStackTopics, readStackState, type StackState } from '@tidewater/dev-stack';
import { createKafkaClient, type KafkaClient } from '@tidewater/kafka';

/** The endpoints of the stack the global setup started, as services would read them. */
export function stackEndpoints() {
  const env = parseEnv(readFileSync(inject('stackEnvFile'), 'utf8')) as Record<string, string>;
  return {
    env,
    brokers: env['KAFKA_BROKERS']!.split(','),
    registryUrl: env['SCHEMA_REGISTRY_URL']!,
    redisUrl: env['REDIS_URL']!,
    mockControlPort: env['KAFKA_MOCK_CONTROL_PORT'] ? Number(env['KAFKA_MOCK_CONTROL_PORT']) : undefined,
  };
}

/** A fresh name, so tests never see each other's records. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A Kafka client for the test stack, logging nothing. */
export function testKafka(clientId = 'tidewater-test'): KafkaClient {
  return createKafkaClient({ brokers: stackEndpoints().brokers, clientId });
}

/** The mock cluster's fault-injection channel, in `*.mock-kafka.int.test.ts` files; throws on Apache Kafka. */
export async function mockKafkaControl(): Promise<MockKafkaControl> {
  const port = stackEndpoints().mockControlPort;
  if (port === undefined) throw new Error('this test needs the mock Kafka cluster: name its file *.mock-kafka.int.test.ts');
  return connectMockKafkaControl(port);
}

/** The stack this project's global setup started, as `stack up` recorded it. */
export function testStack(): StackState {
  const state = readStackState(dirname(inject('stackEnvFile')));
  if (!state) throw new Error(`no stack state next to ${inject('stackEnvFile')}`);
  return state;
}

/**
 * Creates topics for one test: through the admin API on Apache Kafka, through the control
 * channel on the mock cluster (which cannot create topics through the admin API).
 */
export async function createTopics(topics: readonly { name: string; partitions: number }[]): Promise<void> {
  await createStackTopics(testStack().kafka, topics);
}
