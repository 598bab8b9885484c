import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The feature service's own series (Kafka consumer series come from @tidewater/kafka). */
export function featureMetrics(registry: Registry) {
  const registers = [registry];
  return {
    events: new Counter({
      name: 'tw_feature_events_processed_total',
      help: 'Events turned into feature vectors, by what the state did with them',
      labelNames: ['outcome'] as const, // applied | late | already_applied
      registers,
    }),
    late: new Counter({
      name: 'tw_feature_late_events_total',
      help: 'Events beyond the allowed lateness: not applied, vector flagged late',
      registers,
    }),
    alreadyApplied: new Counter({
      name: 'tw_feature_already_applied_total',
      help: 'Events whose id the state had already applied (redelivery, replay): skipped',
      registers,
    }),
    notComputed: new Counter({
      name: 'tw_feature_not_computed_total',
      help: 'Features published as null because they came out NaN or Infinity (overflow): the model applies its default',
      labelNames: ['feature'] as const,
      registers,
    }),
    redisSeconds: new Histogram({
      name: 'tw_feature_redis_seconds',
      help: 'Redis round trips, per pipelined batch or request',
      labelNames: ['op'] as const, // window_update | online_write | online_read
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    freshness: new Histogram({
      name: 'tw_feature_freshness_seconds',
      help: 'Feature time minus event time of published vectors',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers,
    }),
    stateKeys: new Gauge({
      name: 'tw_feature_state_keys',
      help: 'Redis keys under the service key prefix (window state, HLLs, online store), counted by a background SCAN every STATE_KEYS_INTERVAL_MS',
      registers,
    }),
  };
}

export type FeatureMetrics = ReturnType<typeof featureMetrics>;
