import { loadConfig } from '@tidewater/config';
import { failBoot, startServiceRuntime } from '@tidewater/service-runtime';
import { createApp } from './app.js';
import { ingestionConfigSchema } from './config.js';

try {
  const config = loadConfig(ingestionConfigSchema);
  const rt = await startServiceRuntime({
    service: 'ingestion',
    config,
    readinessTopics: [config.TOPIC_EVENTS_RAW, config.TOPIC_EVENTS_VALID],
  });
  // Dedupe and rate limits live in Redis; a command fails after 3 reconnect attempts, which the
  // Kafka input retries (redelivery) and the HTTP API answers with 503.
  const redis = await rt.connectRedis(config.REDIS_URL);
  // Steps run in reverse order: in-flight HTTP requests (which use Redis) finish before Redis is closed.
  // The runtime's own 'http' step closes the same server again later, which Fastify allows.
  rt.shutdown.add('http-api', async () => void (await rt.http.close()));
  const app = await createApp({ ...rt, redis, config });
  rt.shutdown.add('api-keys', async () => app.keys.close());
  rt.superviseConsumer(app.consumer);
  await rt.listen();
  await app.start();
} catch (err) {
  await failBoot('ingestion', err);
}
