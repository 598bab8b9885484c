import { loadConfig } from '@tidewater/config';
import { failBoot, startServiceRuntime } from '@tidewater/service-runtime';
import { createApp } from './app.js';
import { featureConfigSchema } from './config.js';

try {
  const config = loadConfig(featureConfigSchema);
  const rt = await startServiceRuntime({ service: 'feature', config, readinessTopics: [config.TOPIC_EVENTS_VALID, config.TOPIC_FEATURES] });
  const redis = await rt.connectRedis(config.REDIS_URL);
  const app = await createApp({ ...rt, redis, config, http: rt.http });
  rt.superviseConsumer(app.consumer);
  await rt.listen();
  await app.start();
} catch (err) {
  await failBoot('feature', err);
}
