import { apiHttpPort, loadConfig } from '@tidewater/config';
import { createClusterLagProbe } from '@tidewater/kafka';
import { isProduction, loadApiAuth } from '@tidewater/ops-server';
import { failBoot, startServiceRuntime } from '@tidewater/service-runtime';
import { createApp } from './app.js';
import { alertingConfigSchema } from './config.js';
import { defaultAlertingConfig, loadAlertingConfig } from './routing/index.js';

try {
  const config = loadConfig(alertingConfigSchema);
  // Before anything connects: production without a token stops here, saying which variable to set.
  const silencesAuth = loadApiAuth({
    api: 'alerting silences API',
    fileVar: 'ADMIN_TOKEN_FILE',
    file: config.ADMIN_TOKEN_FILE,
    inlineVar: 'ADMIN_TOKEN',
    inline: config.ADMIN_TOKEN,
    production: isProduction(),
  });
  // Validated before anything connects: a bad routing file fails the boot with every problem listed.
  const routing = config.ALERTING_CONFIG_FILE
    ? loadAlertingConfig({ file: config.ALERTING_CONFIG_FILE }, process.env)
    : defaultAlertingConfig(process.env);
  // Kafka in the background: notifications already in Redis go out even while Kafka is unreachable (issue 21).
  const rt = await startServiceRuntime({
    service: 'alerting',
    config,
    readinessTopics: [config.TOPIC_ALERTS],
    kafkaAtBoot: 'background',
  });
  const redis = await rt.connectRedis(config.REDIS_URL);
  // The silences API on its own port with bearer tokens; the ops port keeps /metrics, /healthz, /readyz.
  const api = rt.apiServer({
    name: 'silences',
    port: apiHttpPort(config.ADMIN_HTTP_PORT, config.HTTP_PORT, 8094),
    host: config.ADMIN_HTTP_HOST,
    scopes: [{ prefix: '/', auth: silencesAuth }],
  });
  const app = await createApp({ ...rt, api, redis, routing, config });
  // Registered before the consumer, so it runs after it: stop ingesting first, then the timers and the delivery pass in flight.
  rt.shutdown.add('dispatch-and-delivery', () => app.close());
  rt.superviseConsumer(app.consumer);
  rt.addReadinessCheck('alerts-consumer', () => app.consumerJoined());
  await rt.listen();
  await app.start();
  if (config.LAG_PROBE_ALL_GROUPS) {
    // The platform's watchdog measures every group's lag, so a stopped service's lag still grows on the dashboards.
    const clusterLag = createClusterLagProbe({
      kafka: rt.kafka,
      registry: rt.metrics,
      logger: rt.logger,
      groups: new RegExp(config.LAG_PROBE_GROUP_PATTERN),
    });
    rt.shutdown.add('cluster-lag-probe', () => clusterLag.close());
    clusterLag.start();
  }
} catch (err) {
  await failBoot('alerting', err);
}
