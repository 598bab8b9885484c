import { loadConfig } from '@tidewater/config';
import { failBoot, startServiceRuntime } from '@tidewater/service-runtime';
import { createApp } from './app.js';
import { alertingConfigSchema } from './config.js';

try {
  const config = loadConfig(alertingConfigSchema);
  const rt = await startServiceRuntime({ service: 'alerting', config, readinessTopics: [config.TOPIC_ALERTS] });
  const app = await createApp({ ...rt, config });
  rt.superviseConsumer(app.consumer);
  await rt.listen();
  await app.start();
} catch (err) {
  await failBoot('alerting', err);
}
