import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface KafkaMetrics {
  readonly consumed: Counter<'topic'>;
  readonly processed: Counter<'topic' | 'outcome'>;
  readonly retries: Counter<'topic'>;
  readonly batchSeconds: Histogram<'topic'>;
  readonly deadLetters: Counter<'code'>;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly committedOffset: Gauge<'group' | 'topic' | 'partition'>;
  readonly lagProbeFailures: Counter<'group'>;
}

const byRegistry = new WeakMap<Registry, KafkaMetrics>();

/** The consumer runner's metrics, registered once per registry however many runners share it. */
export function kafkaMetrics(registry: Registry): KafkaMetrics {
  const hit = byRegistry.get(registry);
  if (hit) return hit;
  const registers = [registry];
  const m: KafkaMetrics = {
    consumed: new Counter({ name: 'tw_kafka_consumed_total', help: 'Records fetched from Kafka', labelNames: ['topic'], registers }),
    processed: new Counter({
      name: 'tw_kafka_processed_total',
      help: 'Records finished, by outcome (ok, dead_letter)',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    retries: new Counter({
      name: 'tw_kafka_handler_retries_total',
      help: 'Batch handler retries after retriable errors',
      labelNames: ['topic'],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'tw_kafka_batch_duration_seconds',
      help: 'Time to process one fetched batch, decode to offset resolution',
      labelNames: ['topic'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    deadLetters: new Counter({
      name: 'tw_dead_letters_total',
      help: 'Records written to a dead-letter topic, by error code',
      labelNames: ['code'],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'tw_kafka_consumer_lag',
      help: "Records between the group's committed offset and the partition's high watermark, probed on a timer",
      labelNames: ['group', 'topic', 'partition'],
      registers,
    }),
    committedOffset: new Gauge({
      name: 'tw_kafka_consumer_committed_offset',
      help: "The group's committed offset (the log start when it never committed), probed on a timer",
      labelNames: ['group', 'topic', 'partition'],
      registers,
    }),
    lagProbeFailures: new Counter({
      name: 'tw_kafka_lag_probe_failures_total',
      help: 'Consumer lag probes that could not reach Kafka; the lag figures keep their last values meanwhile',
      labelNames: ['group'],
      registers,
    }),
  };
  byRegistry.set(registry, m);
  return m;
}
