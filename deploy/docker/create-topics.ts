/**
 * Creates every topic of deploy/topics.yaml (partitions, cleanup policy, retention) that does not
 * exist yet: the one-shot `kafka-init` container of docker-compose.yml runs it from the service
 * image. Settings: see create-topics-config.ts.
 */
import { loadConfig } from '@tidewater/config';
import { createKafkaClient } from '@tidewater/kafka';
import { createLogger, flushLogger } from '@tidewater/logging';
import { loadTopicsManifest } from '@tidewater/schemas';
import { createTopicsConfigSchema } from './create-topics-config.js';
import { ensureTopics } from './ensure-topics.js';

const logger = createLogger({ service: 'kafka-init' });
try {
  const config = loadConfig(createTopicsConfigSchema);
  logger.level = config.LOG_LEVEL;
  const { topics } = loadTopicsManifest();
  const admin = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: 'tidewater-kafka-init', logger }).admin();
  await admin.connect();
  try {
    const result = await ensureTopics(admin, topics, { replicationFactor: config.TOPIC_REPLICATION_FACTOR });
    logger.info(result, `topics ready: ${result.created.length} created, ${result.existing.length} already there`);
  } finally {
    await admin.disconnect();
  }
} catch (err) {
  logger.fatal({ err }, 'creating topics failed');
  process.exitCode = 1;
} finally {
  await flushLogger(logger);
}
