import { watchPipeline } from '@tidewater/dev-stack';
import { type RunningService, runService, stackEndpoints } from '@tidewater/test-support';

/** Every topic the services read or write, named under `prefix` so no other test sees its records. */
export function privateTopics(prefix: string) {
  return {
    TOPIC_EVENTS_RAW: `${prefix}.events.raw`,
    TOPIC_EVENTS_VALID: `${prefix}.events.valid`,
    TOPIC_EVENTS_DLQ: `${prefix}.events.dlq`,
    TOPIC_FEATURES: `${prefix}.features`,
    TOPIC_PREDICTIONS: `${prefix}.predictions`,
    TOPIC_PREDICTIONS_SHADOW: `${prefix}.predictions.shadow`,
    TOPIC_DRIFT_REPORTS: `${prefix}.drift.reports`,
    TOPIC_ALERTS: `${prefix}.alerts`,
    TOPIC_ALERTS_DLQ: `${prefix}.alerts.dlq`,
  };
}

export type PrivateTopics = ReturnType<typeof privateTopics>;

/** The environment of services run as processes on the test stack and `topics`; `extra` adds or overrides settings. */
export function serviceProcessEnv(prefix: string, topics: PrivateTopics, extra: Record<string, string> = {}): Record<string, string> {
  const ep = stackEndpoints();
  return {
    ...topics,
    KAFKA_BROKERS: ep.brokers.join(','),
    SCHEMA_REGISTRY_URL: ep.registryUrl,
    REDIS_URL: ep.redisUrl,
    REDIS_KEY_PREFIX: `${prefix}:`,
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '15000',
    ...extra,
  };
}

/** Runs the named services one after another, each in consumer group `${prefix}-${name}`; stops them all if one fails to start. */
export async function startServiceProcesses(
  names: readonly string[],
  env: Record<string, string>,
  prefix: string,
): Promise<RunningService[]> {
  const services: RunningService[] = [];
  try {
    for (const name of names) services.push(await runService(name, { ...env, CONSUMER_GROUP: `${prefix}-${name}` }));
  } catch (err) {
    for (const s of services) await s.stop();
    throw err;
  }
  return services;
}

/** A watcher (not yet started) of the predictions, dead letters, drift reports and alerts on `topics`. */
export function watchPrivateTopics(topics: PrivateTopics): ReturnType<typeof watchPipeline> {
  const ep = stackEndpoints();
  return watchPipeline({
    brokers: ep.brokers,
    registryUrl: ep.registryUrl,
    topics: {
      predictions: topics.TOPIC_PREDICTIONS,
      dlq: topics.TOPIC_EVENTS_DLQ,
      reports: topics.TOPIC_DRIFT_REPORTS,
      alerts: topics.TOPIC_ALERTS,
    },
  });
}
