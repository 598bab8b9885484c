import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { inject } from 'vitest';
import { connectMockKafkaControl, type MockKafkaControl } from '@tidewater/dev-kafka';

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

export function testKafka(clientId = 'tidewater-test'): Kafka {
  return new Kafka({ brokers: stackEndpoints().brokers, clientId, logLevel: logLevel.NOTHING });
}

/** The mock cluster's fault-injection channel; undefined on real Kafka. */
export async function mockKafkaControl(): Promise<MockKafkaControl | undefined> {
  const port = stackEndpoints().mockControlPort;
  return port === undefined ? undefined : connectMockKafkaControl(port);
}

/**
 * Creates topics for one test. The mock cluster cannot create topics through the admin API
 * (it answers "Broker not found in the cached metadata"), so the dev stack goes through its
 * control channel; real Kafka uses the admin API.
 */
export async function createTopics(topics: readonly { name: string; partitions: number }[]): Promise<void> {
  const control = await mockKafkaControl();
  if (control) {
    try {
      for (const t of topics) await control.createTopic(t.name, t.partitions);
    } finally {
      await control.close();
    }
    return;
  }
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}
