import type { KafkaClientSettings } from '@tidewater/kafka';

/**
 * The fetch size bench:feature gives the service's consumer (bytes per partition per fetch):
 * BENCH_FETCH_MAX_BYTES_PER_PARTITION, default 0, which leaves kafkajs's 1 MiB as the service has.
 * A knob for measuring what fetch size does to throughput. (Before `@tidewater/kafka`'s producer
 * split large sends, a 1 MiB fetch stalled the service on Apache Kafka: a batch's vectors for one
 * output partition became one record batch over the broker's message.max.bytes.)
 */
export const featureFetchMaxBytes = Number(process.env['BENCH_FETCH_MAX_BYTES_PER_PARTITION'] ?? 0);

/** Client settings making every consumer fetch at most `maxBytesPerPartition` per partition; 0 changes nothing. */
export function fetchCap(maxBytesPerPartition: number): Pick<KafkaClientSettings, 'consumerDefaults'> {
  return maxBytesPerPartition <= 0 ? {} : { consumerDefaults: { maxBytesPerPartition } };
}
