import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaContainer } from '@testcontainers/kafka';
import { RedisContainer } from '@testcontainers/redis';
import { GenericContainer, Network, Wait } from 'testcontainers';
import { Kafka, logLevel } from 'kafkajs';
import { loadTopicsManifest } from '@tidewater/schemas';

/**
 * Real Kafka (KRaft), Confluent Schema Registry and Redis in containers, for hosts with Docker
 * (GitHub Actions). It writes the same stack.env as the dev stack so tests do not care which runs.
 */
export async function startContainerStack(dir: string): Promise<{ envFile: string; stop: () => Promise<void> }> {
  const network = await new Network().start();
  const kafka = await new KafkaContainer('confluentinc/cp-kafka:7.7.1')
    .withKraft()
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .start();
  const registry = await new GenericContainer('confluentinc/cp-schema-registry:7.7.1')
    .withNetwork(network)
    .withExposedPorts(8081)
    .withEnvironment({
      SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
      SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:9092',
    })
    .withWaitStrategy(Wait.forHttp('/subjects', 8081))
    .start();
  const redis = await new RedisContainer('redis:7-alpine').start();
  const brokers = [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`];

  const admin = new Kafka({ brokers, clientId: 'tidewater-test-setup', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: loadTopicsManifest().topics.map((t) => ({
      topic: t.name,
      numPartitions: t.partitions,
      replicationFactor: 1,
      configEntries: [
        { name: 'cleanup.policy', value: t.cleanupPolicy },
        { name: 'retention.ms', value: String(t.retentionMs) },
      ],
    })),
  });
  await admin.disconnect();

  mkdirSync(dir, { recursive: true });
  const envFile = join(dir, 'stack.env');
  writeFileSync(
    envFile,
    [
      `KAFKA_BROKERS=${brokers.join(',')}`,
      `SCHEMA_REGISTRY_URL=http://${registry.getHost()}:${registry.getMappedPort(8081)}`,
      `REDIS_URL=redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    ].join('\n') + '\n',
  );
  return {
    envFile,
    stop: async () => {
      await Promise.all([redis.stop(), registry.stop()]);
      await kafka.stop();
      await network.stop();
    },
  };
}
