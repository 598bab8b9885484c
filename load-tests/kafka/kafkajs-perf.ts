/**
 * kafkajs produce and consume alone, with the settings Tidewater's services give it, on records of a
 * fixed size: the Node side of the comparison with Kafka's own tools (java-perf.ts).
 */
import { randomBytes } from 'node:crypto';
import { Partitioners, type Kafka } from 'kafkajs';
import { runnerConsumerConfig } from './bare-pipe.js';
import { meterCpu, type CpuSplit } from './process-cpu.js';

export interface KafkajsRate {
  readonly msgsPerS: number;
  readonly timedRecords: number;
  readonly seconds: number;
  /** This process (the client) and Kafka over the timed span, shares of one core. */
  readonly cpu: CpuSplit;
}

/** Distinct payloads of `size` bytes that records cycle through (like ProducerPerformance's random payload). */
export function payloads(size: number, count = 64): Buffer[] {
  return Array.from({ length: count }, () => randomBytes(size));
}

/**
 * Produces `records` records of `recordSize` bytes (null keys, so spread over the partitions) in
 * awaited sends of `sendSize` with acks=all, through a producer configured as `createProducer`
 * configures the services' (idempotent, one request in flight, murmur2 partitioner). The clock starts
 * once `warmupRecords` are acknowledged.
 */
export async function kafkajsProduce(opts: {
  kafka: Kafka;
  topic: string;
  records: number;
  recordSize: number;
  sendSize: number;
  warmupRecords: number;
  kafkaPids?: readonly number[];
}): Promise<KafkajsRate> {
  const producer = opts.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  const values = payloads(opts.recordSize);
  await producer.connect();
  try {
    let clock: { t: number; sent: number; meter: ReturnType<typeof meterCpu> } | undefined;
    let sent = 0;
    while (sent < opts.records) {
      const n = Math.min(opts.sendSize, opts.records - sent);
      const messages = Array.from({ length: n }, (_, i) => ({ key: null, value: values[(sent + i) % values.length]! }));
      await producer.send({ topic: opts.topic, acks: -1, messages });
      sent += n;
      if (!clock && sent >= opts.warmupRecords)
        clock = { t: performance.now(), sent, meter: meterCpu({ client: 'self', ...(opts.kafkaPids ? { kafka: opts.kafkaPids } : {}) }) };
    }
    const seconds = (performance.now() - clock!.t) / 1000;
    const cpu = clock!.meter.stop();
    const timedRecords = sent - clock!.sent;
    return { msgsPerS: timedRecords / seconds, timedRecords, seconds, cpu };
  } finally {
    await producer.disconnect();
  }
}

/**
 * A new consumer group reads `records` records of `topic` from the beginning with eachBatch, doing
 * nothing with them (offsets resolved per batch, committed as kafkajs does by default), with the
 * consumer settings of the services. Timed from the end of the first batch, so the group join and
 * the first fetch are not in it.
 */
export async function kafkajsConsume(opts: {
  kafka: Kafka;
  topic: string;
  records: number;
  groupId: string;
  partitionsConsumedConcurrently?: number;
  kafkaPids?: readonly number[];
  timeoutMs?: number;
}): Promise<KafkajsRate & { readonly recordsPerBatch: number }> {
  const consumer = opts.kafka.consumer(runnerConsumerConfig(opts.groupId));
  let read = 0;
  let batches = 0;
  let clock: { t: number; read: number; meter: ReturnType<typeof meterCpu> } | undefined;
  let finish: (r: { t: number; read: number; batches: number; cpu: CpuSplit }) => void = () => undefined;
  const finished = new Promise<{ t: number; read: number; batches: number; cpu: CpuSplit }>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        read += batch.messages.length;
        batches++;
        const t = performance.now();
        if (!clock) clock = { t, read, meter: meterCpu({ client: 'self', ...(opts.kafkaPids ? { kafka: opts.kafkaPids } : {}) }) };
        else if (read >= opts.records) finish({ t, read, batches, cpu: clock.meter.stop() });
      },
    });
    const timeoutMs = opts.timeoutMs ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    const end = await Promise.race([
      finished,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new Error(`kafkajs consume: ${read} of ${opts.records} records after ${timeoutMs} ms`)),
            timeoutMs,
          )),
      ),
    ]).finally(() => clearTimeout(timer));
    const seconds = (end.t - clock!.t) / 1000;
    const timedRecords = end.read - clock!.read;
    return { msgsPerS: timedRecords / seconds, timedRecords, seconds, cpu: end.cpu, recordsPerBatch: end.read / end.batches };
  } finally {
    await consumer.disconnect();
  }
}
