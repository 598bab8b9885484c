/** The topics one inference test reads and writes. */
export interface InferenceTestTopics {
  readonly features: string;
  readonly predictions: string;
  readonly shadow: string;
  readonly dlq: string;
}

/**
 * What every inference worker process of a test shares: the dev stack's endpoints, the test's
 * topics and consumer group, and info logs (the "joined group" lines tell which partitions a
 * worker holds).
 */
export function inferenceWorkerEnv(
  stackEnv: Readonly<Record<string, string>>,
  topics: InferenceTestTopics,
  group: string,
): Record<string, string> {
  return {
    KAFKA_BROKERS: stackEnv['KAFKA_BROKERS']!,
    SCHEMA_REGISTRY_URL: stackEnv['SCHEMA_REGISTRY_URL']!,
    TOPIC_FEATURES: topics.features,
    TOPIC_PREDICTIONS: topics.predictions,
    TOPIC_PREDICTIONS_SHADOW: topics.shadow,
    TOPIC_EVENTS_DLQ: topics.dlq,
    CONSUMER_GROUP: group,
    LOG_LEVEL: 'info',
  };
}
