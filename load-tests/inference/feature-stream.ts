import { randomUUID } from 'node:crypto';
import type { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { avroTopicWriter } from '@tidewater/service-runtime';
import type { FeatureVector } from '@tidewater/schemas';

/** A feature vector for the demo model, varied by `i` (amounts, hours, bursts). */
export function featureVector(i: number, prefix: string): FeatureVector {
  const amount = 5 + ((i * 7919) % 50_000) / 100;
  const hour = i % 24;
  const count1h = 1 + (i % 6);
  const now = Date.now();
  return {
    event_id: `${prefix}-${i}`,
    entity_key: `card-${i % 5000}`,
    feature_set: 'card_velocity',
    feature_set_version: 'v1',
    event_time: now - 1000,
    ingested_at: now - 500,
    feature_time: now,
    late: false,
    features: {
      amount,
      log_amount: Math.log1p(amount),
      hour_of_day: hour,
      is_ecom: i % 3 === 0,
      is_night: hour < 6,
      txn_count_1h: count1h,
      amount_sum_1h: amount * count1h,
      amount_ratio_1h: 1 + (i % 5) / 10,
    },
  };
}

/** Encodes and produces feature vectors in Confluent wire format, as the feature service does. */
export async function featureWriter(registry: SchemaRegistryClient, producer: Producer, topic: string) {
  const writer = await avroTopicWriter(registry, topic, 'featureVector', true);
  return {
    /** Produces vectors [from, from + count) in batches; each record's timestamp is its send time. */
    async produce(from: number, count: number, prefix: string, batch = 1000): Promise<void> {
      for (let i = from; i < from + count; i += batch) {
        const n = Math.min(batch, from + count - i);
        const messages = Array.from({ length: n }, (_, k) => {
          const v = featureVector(i + k, prefix);
          return { key: writer.key.encode(v.entity_key), value: writer.value.encode(v) };
        });
        await producer.send({ topic, acks: -1, messages });
      }
    },
  };
}

/**
 * The group's committed offsets for `topic`, or undefined while its coordinator cannot answer yet:
 * on a fresh Apache Kafka cluster __consumer_offsets is created and loaded on first use, and kafkajs's
 * admin does not retry NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS (errors it marks retriable).
 */
async function committedOffsets(admin: Admin, groupId: string, topic: string) {
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return committed;
  } catch (err) {
    if ((err as { retriable?: unknown }).retriable === true) return undefined;
    throw err;
  }
}

/**
 * Waits until group `groupId` has committed the end of every partition of `topic`; `onFirstCommit`
 * runs once, when its first committed offset is seen (polled every 200 ms).
 */
export async function waitForGroup(
  kafka: Kafka,
  groupId: string,
  topic: string,
  timeoutMs: number,
  onFirstCommit?: () => void,
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const total = ends.reduce((s, p) => s + Number(p.high), 0);
    const deadline = Date.now() + timeoutMs;
    let started = false;
    while (Date.now() < deadline) {
      const committed = await committedOffsets(admin, groupId, topic);
      const done = (committed?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
      if (done > 0 && !started) {
        started = true;
        onFirstCommit?.();
      }
      if (done >= total) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  } finally {
    await admin.disconnect();
  }
}

export interface TimedRecord {
  readonly partition: number;
  readonly offset: string;
  /** Kafka timestamp: when the producer sent it. */
  readonly ts: number;
  readonly value: Buffer;
}

/** Every record of `topic` with its Kafka timestamp, read after the fact so the reader does not compete with the measured run. */
export async function readTimestamps(kafka: Kafka, topic: string, expected: number, timeoutMs: number): Promise<TimedRecord[]> {
  const consumer = kafka.consumer({ groupId: `bench-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const out: TimedRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) out.push({ partition: batch.partition, offset: m.offset, ts: Number(m.timestamp), value: m.value! });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (out.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return out;
}

/**
 * Steady-state rate of a run: records over the span between the produce times of the `skip`-th
 * and the last output (in produce-time order). The first `skip` outputs are the run's warm-up
 * (JIT, first fetches) and are not timed.
 */
export function rateOf(records: readonly TimedRecord[], skip = 0): number {
  if (records.length < skip + 2) return NaN;
  const ts = records.map((r) => r.ts).sort((a, b) => a - b);
  return (ts.length - 1 - skip) / Math.max(0.001, (ts.at(-1)! - ts[skip]!) / 1000);
}
