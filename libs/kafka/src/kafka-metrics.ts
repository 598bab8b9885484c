import { Counter, Histogram, type Registry } from 'prom-client';

export interface KafkaMetrics {
  readonly consumed: Counter<'topic'>;
  readonly processed: Counter<'topic' | 'outcome'>;
  readonly retries: Counter<'topic'>;
  readonly batchSeconds: Histogram<'topic'>;
  readonly deadLetters: Counter<'code'>;
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
  };
  byRegistry.set(registry, m);
  return m;
}
