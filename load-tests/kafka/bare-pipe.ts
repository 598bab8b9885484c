/**
 * The bare kafkajs consume -> produce pipe: what a service on kafkajs could at most do on this broker
 * and machine, with nothing of the service in it. A consumer group member reads a pre-filled topic
 * with eachBatch and produces each batch's records, undecoded, to another topic in one send (acks=all),
 * then resolves the batch's offset; the producer and consumer have the settings Tidewater's
 * `createProducer` and `createConsumerRunner` give them (idempotent, one request in flight, murmur2
 * partitioner; 250 ms fetch wait, short session timeouts), without retries, spans or metrics.
 * `npm run bench:kafka` measures it next to Kafka's own clients; each service benchmark runs it on its
 * own input records and prints its events/s as a ratio to it.
 *
 * One exception to "one send per batch": kafkajs puts all of a send's records for one partition in
 * one record batch and never splits it, and the broker refuses batches over message.max.bytes
 * (1 MiB by default) with MESSAGE_TOO_LARGE. Keyed input lands in the same output partition, so a
 * full 1 MiB fetch would come close to that; a batch estimated past MAX_SEND_BYTES goes out in
 * consecutive sends under it.
 */
import { Kafka, logLevel, Partitioners, type ConsumerConfig, type KafkaMessage, type Message } from 'kafkajs';
import { meterCpu, type CpuSplit } from './process-cpu.js';

/** A plain kafkajs client for the pipe, for benches whose services reach Kafka through @tidewater/kafka. */
export function barePipeClient(brokers: readonly string[], clientId = 'bare-pipe'): Kafka {
  // The retry settings of @tidewater/kafka's createKafkaClient, so only the pipe differs.
  return new Kafka({ brokers: [...brokers], clientId, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 200, retries: 8 } });
}

export interface BarePipeOptions {
  readonly kafka: Kafka;
  /** A topic already holding `records` records (the pipe reads it from the beginning). */
  readonly input: string;
  readonly output: string;
  readonly records: number;
  readonly groupId: string;
  /** kafkajs's partitionsConsumedConcurrently; pass the service's own setting for a like-for-like ratio (default 1). */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Records piped before the clock starts (JIT, first fetches); the clock starts at the end of the
   * batch that reaches this count. Default 1: everything after the first batch is timed.
   */
  readonly warmupRecords?: number;
  /** Overrides of the consumer settings (e.g. maxBytesPerPartition). */
  readonly consumer?: Partial<ConsumerConfig>;
  /** Kafka's pids (the stack's `kafka.pids`): their CPU over the timed span goes in the result as `kafka`. */
  readonly kafkaPids?: readonly number[];
  /** Deadline for the whole run, group join included (default 300 s). */
  readonly timeoutMs?: number;
}

export interface BarePipeResult {
  /** Records piped after the warm-up, over `seconds`. */
  readonly timedRecords: number;
  readonly seconds: number;
  readonly msgsPerS: number;
  readonly batches: number;
  readonly recordsPerBatch: number;
  /** This process (the pipe) and Kafka over the timed span, shares of one core. */
  readonly cpu: CpuSplit;
}

/** Under the broker's default message.max.bytes (1,048,588) with room for record and batch overheads. */
const MAX_SEND_BYTES = 960 * 1024;
/** A record's bytes besides key, value and headers in a v2 record batch (length, attributes, deltas, lengths), rounded up. */
const RECORD_OVERHEAD = 16;

/** A batch's records as outgoing messages, in sends estimated under `maxBytes` each (one send unless a batch is that large). */
export function pipeSends(messages: readonly KafkaMessage[], maxBytes = MAX_SEND_BYTES): Message[][] {
  const out: Message[][] = [[]];
  let bytes = 0;
  for (const m of messages) {
    let size = RECORD_OVERHEAD + (m.key?.length ?? 0) + (m.value?.length ?? 0);
    for (const [k, v] of Object.entries(m.headers ?? {})) size += k.length + (Buffer.isBuffer(v) ? v.length : String(v).length);
    if (bytes + size > maxBytes && out.at(-1)!.length > 0) {
      out.push([]);
      bytes = 0;
    }
    out.at(-1)!.push({ key: m.key, value: m.value, headers: m.headers });
    bytes += size;
  }
  return out;
}

/** The consumer settings `createConsumerRunner` (@tidewater/kafka) gives every service's consumer. */
export function runnerConsumerConfig(groupId: string): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  };
}

/** Pipes `records` records from `input` to `output` and returns the rate after the warm-up. */
export async function runBarePipe(opts: BarePipeOptions): Promise<BarePipeResult> {
  const producer = opts.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  const consumer = opts.kafka.consumer({ ...runnerConsumerConfig(opts.groupId), ...opts.consumer });
  const warmup = Math.max(1, opts.warmupRecords ?? 1);
  if (warmup >= opts.records) throw new Error(`bare pipe: a warm-up of ${warmup} leaves none of ${opts.records} records timed`);
  let piped = 0;
  let batches = 0;
  let clock: { t: number; piped: number; meter: ReturnType<typeof meterCpu> } | undefined;
  let finish: (r: { t: number; piped: number; batches: number; cpu: CpuSplit }) => void = () => undefined;
  const finished = new Promise<{ t: number; piped: number; batches: number; cpu: CpuSplit }>((resolve) => (finish = resolve));
  await producer.connect();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: opts.input, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0 || !isRunning() || isStale()) return;
        for (const messages of pipeSends(batch.messages)) await producer.send({ topic: opts.output, acks: -1, messages });
        resolveOffset(batch.lastOffset());
        piped += batch.messages.length;
        batches++;
        const t = performance.now();
        if (!clock && piped >= warmup)
          clock = { t, piped, meter: meterCpu({ pipe: 'self', ...(opts.kafkaPids ? { kafka: opts.kafkaPids } : {}) }) };
        if (clock && piped >= opts.records) finish({ t, piped, batches, cpu: clock.meter.stop() });
        await heartbeat();
      },
    });
    const timeoutMs = opts.timeoutMs ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    const end = await Promise.race([
      finished,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`bare pipe: ${piped} of ${opts.records} records after ${timeoutMs} ms`)), timeoutMs)),
      ),
    ]).finally(() => clearTimeout(timer));
    const start = clock!;
    const seconds = (end.t - start.t) / 1000;
    const timedRecords = end.piped - start.piped;
    return {
      timedRecords,
      seconds,
      msgsPerS: timedRecords / seconds,
      batches: end.batches,
      recordsPerBatch: end.piped / end.batches,
      cpu: end.cpu,
    };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}
