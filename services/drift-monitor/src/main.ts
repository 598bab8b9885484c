import { loadConfig } from '@tidewater/config';
import { readModelManifest } from '@tidewater/model-manifest';
import { failBoot, startServiceRuntime } from '@tidewater/service-runtime';
import { createApp } from './app.js';
import { driftConfigSchema } from './config.js';

try {
  const config = loadConfig(driftConfigSchema);
  const rt = await startServiceRuntime({
    service: 'drift-monitor',
    config,
    readinessTopics: [config.TOPIC_PREDICTIONS, config.TOPIC_ALERTS],
  });
  const manifest = readModelManifest(config.MODEL_DIR);
  const redis = await rt.connectRedis(config.REDIS_URL);
  const app = await createApp({ ...rt, manifest, redis, config });
  rt.superviseConsumer(app.consumer);
  await rt.listen();
  await app.start();
} catch (err) {
  await failBoot('drift-monitor', err);
}
