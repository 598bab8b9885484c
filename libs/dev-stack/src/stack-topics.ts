import { connectMockKafkaControl } from '@tidewater/dev-kafka';
import { createKafkaClient } from '@tidewater/kafka';
import type { StackState } from './stack-layout.js';

/** A topic for a test or benchmark run. */
export interface StackTopic {
  readonly name: string;
  readonly partitions: number;
}

/**
 * Creates topics on a stack's Kafka: through the admin API on Apache Kafka (replication factor
 * min(3, nodes), waiting for leaders), through the control port on the mock cluster, which cannot
 * create topics through the admin API ("Broker not found in the cached metadata").
 */
export async function createStackTopics(kafka: StackState['kafka'], topics: readonly StackTopic[]): Promise<void> {
  if (kafka.controlPort !== undefined) {
    const control = await connectMockKafkaControl(kafka.controlPort);
    try {
      for (const t of topics) await control.createTopic(t.name, t.partitions);
    } finally {
      await control.close();
    }
    return;
  }
  const admin = createKafkaClient({ brokers: kafka.bootstrapServers, clientId: 'tidewater-dev-stack' }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: Math.min(3, kafka.pids.length) })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}
