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
  const app = await createApp({ ...rt, config });
  rt.superviseConsumer(app.consumer);
  await rt.listen();
  await app.start();
} catch (err) {
  await failBoot('ingestion', err);
}
