import type { Kafka } from 'kafkajs';

/**
 * The fetch size bench:feature gives the service's consumer (bytes per partition per fetch):
 * BENCH_FETCH_MAX_BYTES_PER_PARTITION, default 0, which leaves kafkajs's 1 MiB as the service has.
 * A knob for measuring what fetch size does to throughput. (Before `@tidewater/kafka`'s producer
 * split large sends, a 1 MiB fetch stalled the service on Apache Kafka: a batch's vectors for one
 * output partition became one record batch over the broker's message.max.bytes.)
 */
export const featureFetchMaxBytes = Number(process.env['BENCH_FETCH_MAX_BYTES_PER_PARTITION'] ?? 0);

/** Makes every consumer `kafka` creates fetch at most `maxBytesPerPartition` per partition; 0 changes nothing. */
export function capFetchBytes(kafka: Kafka, maxBytesPerPartition: number): Kafka {
  if (maxBytesPerPartition <= 0) return kafka;
  const consumer = kafka.consumer.bind(kafka);
  kafka.consumer = (config) => consumer({ ...config, maxBytesPerPartition });
  return kafka;
}
