import { apiHttpPort, loadConfig } from '@tidewater/config';
import { committedOffsetsReader, connectTransactionalProducer } from '@tidewater/kafka';
import { failBoot, startServiceRuntime } from '@tidewater/service-runtime';
import { inferenceApiScopes, registerAdminRoutes } from './admin/index.js';
import { createApp, type InferenceApp } from './app.js';
import { inferenceConfigSchema } from './config.js';
import { modelErrors } from './model/index.js';
import { registerOipRoutes } from './oip/index.js';
import { ModelRepository } from './repository/index.js';
import { createScoringPool, type ScoringPool } from './scoring-pool/scoring-pool.js';

try {
  const config = loadConfig(inferenceConfigSchema);
  // Before anything connects: production without an admin token stops here, saying which variable to set.
  const apiScopes = inferenceApiScopes(config);
  const rt = await startServiceRuntime({
    service: 'inference',
    config,
    readinessTopics: [config.TOPIC_FEATURES, config.TOPIC_PREDICTIONS],
  });
  const ortOptions = {
    intraOpNumThreads: config.ORT_INTRA_OP_THREADS,
    interOpNumThreads: config.ORT_INTER_OP_THREADS,
    ...(config.ORT_ALLOW_SPINNING === undefined ? {} : { allowSpinning: config.ORT_ALLOW_SPINNING }),
  };
  // Built after the repository, whose onModelClosed needs them.
  const late: { app?: InferenceApp; pool?: ScoringPool } = {};
  const repository = new ModelRepository({
    root: config.MODEL_REPOSITORY_DIR,
    logger: rt.logger.child({ component: 'model-repository' }),
    registry: rt.metrics,
    pollIntervalMs: config.MODEL_REPOSITORY_POLL_MS,
    session: ortOptions,
    // A retired version's session is closed after its last lease: drop what the batcher and the threads keep for it.
    onModelClosed: (model) => {
      late.app?.forget(model);
      late.pool?.forget(model);
    },
  });
  await repository.open();
  // Added before the consumer, so shutdown (reverse order) closes it after the consumer and batcher drained.
  rt.shutdown.add('model-repository', () => repository.close());
  rt.addReadinessCheck('models', async () => {
    // About the model the stream scores: a repository holding only other models is not ready.
    if (!repository.isReady(config.MODEL_NAME))
      throw modelErrors.create('TW_MODEL_NOT_LOADED', `no version of model ${config.MODEL_NAME} is loaded`);
  });

  if (config.WORKER_THREADS > 0) {
    const threads = createScoringPool({ size: config.WORKER_THREADS, modelDir: (m) => m.dir, ort: ortOptions, logger: rt.logger });
    late.pool = threads;
    rt.shutdown.add('scoring-pool', () => threads.close());
  }
  let exactlyOnce;
  if (config.EXACTLY_ONCE) {
    const transactionalId = config.TRANSACTIONAL_ID ?? config.KAFKA_CLIENT_ID ?? `${config.CONSUMER_GROUP}-worker`;
    const producer = await connectTransactionalProducer({ kafka: rt.kafka, transactionalId, logger: rt.logger });
    rt.shutdown.add('transactional-producer', () => producer.close());
    const admin = rt.kafka.admin();
    await admin.connect();
    rt.shutdown.add('offsets-admin', () => admin.disconnect());
    exactlyOnce = { transactionalProducer: producer, committedOffsets: committedOffsetsReader(admin, config.CONSUMER_GROUP) };
    rt.logger.info({ transactionalId }, 'exactly-once mode: predictions and offsets commit in one transaction');
  }
  // The admin and OIP APIs each on a port of their own with bearer tokens (a NetworkPolicy lets clients reach
  // OIP and only operators reach admin); the ops port keeps /metrics, /healthz, /readyz.
  const host = config.ADMIN_HTTP_HOST;
  const adminApi = rt.apiServer({
    name: 'admin',
    port: apiHttpPort(config.ADMIN_HTTP_PORT, config.HTTP_PORT, 8092),
    host,
    scopes: apiScopes.admin,
  });
  const oipApi = rt.apiServer({
    name: 'oip',
    port: apiHttpPort(config.OIP_HTTP_PORT, config.HTTP_PORT, 8093),
    host,
    scopes: apiScopes.oip,
  });
  registerAdminRoutes(adminApi, repository);
  const started = await createApp({
    ...rt,
    router: repository,
    modelName: config.MODEL_NAME,
    config,
    ...(late.pool ? { scorer: late.pool.score, maxConcurrentRuns: late.pool.size } : {}),
    ...exactlyOnce,
  });
  late.app = started;
  registerOipRoutes(oipApi, {
    router: repository,
    score: started.score, // batched with the stream traffic
    versions: (name) => repository.versions(name),
    ready: () => repository.isReady(),
  });
  rt.superviseConsumer(started.consumer);
  await rt.listen();
  await started.start();
} catch (err) {
  await failBoot('inference', err);
}
