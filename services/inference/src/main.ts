import { loadConfig } from '@tidewater/config';
import { failBoot, startServiceRuntime } from '@tidewater/service-runtime';
import { createApp } from './app.js';
import { inferenceConfigSchema } from './config.js';
import { loadOnnxModel } from './model/index.js';

try {
  const config = loadConfig(inferenceConfigSchema);
  const rt = await startServiceRuntime({
    service: 'inference',
    config,
    readinessTopics: [config.TOPIC_FEATURES, config.TOPIC_PREDICTIONS],
  });
  const model = await loadOnnxModel(config.MODEL_DIR, { intraOpNumThreads: config.ORT_INTRA_OP_THREADS });
  rt.logger.info({ model: model.manifest.name, version: model.manifest.version, features: model.featureNames }, 'model loaded');
  rt.shutdown.add('model', () => model.close());
  const app = await createApp({ ...rt, model, config });
  rt.superviseConsumer(app.consumer);
  await rt.listen();
  await app.start();
} catch (err) {
  await failBoot('inference', err);
}
