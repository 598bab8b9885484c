/**
 * @platformatic/kafka driven directly, with the settings Tidewater's services give kafkajs
 * (kafkajs-perf.ts, bare-pipe.ts): idempotent producer with acks=all, awaited sends; a new consumer
 * group reading from the earliest offset with a 250 ms fetch wait and 10 s session. The raw side of
 * bench:kafka's client comparison; the services reach it through @tidewater/kafka instead.
 */
import { Consumer, Producer, type Message, type MessagesStream } from '@platformatic/kafka';
import { payloads, type KafkajsRate } from './kafkajs-perf.js';
import { meterCpu, type CpuSplit } from './process-cpu.js';

/** Under the broker's default message.max.bytes, as bare-pipe.ts's sends. */
const MAX_SEND_BYTES = 960 * 1024;
const RECORD_OVERHEAD = 16;

export interface PlatformaticTarget {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly kafkaPids?: readonly number[];
}

/** The services' producer settings in platformatic's terms. */
export function platformaticProducer(t: PlatformaticTarget): Producer<Buffer, Buffer, Buffer, Buffer> {
  return new Producer({
    clientId: `${t.clientId}-producer`,
    bootstrapBrokers: [...t.brokers],
    idempotent: true,
    acks: -1,
    autocreateTopics: false,
  });
}

/** The consumer runner's settings (250 ms fetch wait, 10 s session and rebalance, 1 s heartbeat) in platformatic's terms. */
export function platformaticConsumer(t: PlatformaticTarget, groupId: string): Consumer<Buffer, Buffer, Buffer, Buffer> {
  return new Consumer({
    clientId: `${t.clientId}-consumer`,
    bootstrapBrokers: [...t.brokers],
    groupId,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTime: 250,
  });
}

/** Consumes `topic` from the earliest offset for a new group. */
export function consumeFromStart(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, topic: string, autocommit: boolean | number) {
  return consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit });
}

const meterFor = (pids?: readonly number[]) => meterCpu({ client: 'self', ...(pids ? { kafka: pids } : {}) });

/** As kafkajsProduce: awaited sends of `sendSize`, spread over the partitions in turn (kafkajs's round robin for null keys). */
export async function platformaticProduce(
  opts: PlatformaticTarget & {
    topic: string;
    partitions: number;
    records: number;
    recordSize: number;
    sendSize: number;
    warmupRecords: number;
  },
): Promise<KafkajsRate> {
  const producer = platformaticProducer(opts);
  const values = payloads(opts.recordSize);
  try {
    let clock: { t: number; sent: number; meter: ReturnType<typeof meterCpu> } | undefined;
    let sent = 0;
    while (sent < opts.records) {
      const n = Math.min(opts.sendSize, opts.records - sent);
      const messages = Array.from({ length: n }, (_, i) => ({
        topic: opts.topic,
        partition: (sent + i) % opts.partitions,
        value: values[(sent + i) % values.length]!,
      }));
      await producer.send({ messages });
      sent += n;
      if (!clock && sent >= opts.warmupRecords) clock = { t: performance.now(), sent, meter: meterFor(opts.kafkaPids) };
    }
    const seconds = (performance.now() - clock!.t) / 1000;
    const cpu = clock!.meter.stop();
    const timedRecords = sent - clock!.sent;
    return { msgsPerS: timedRecords / seconds, timedRecords, seconds, cpu };
  } finally {
    await producer.close();
  }
}

/** Waits for `done` or rejects after `timeoutMs` with `what()` in the message. */
async function within<T>(done: Promise<T>, timeoutMs: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([done, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), timeoutMs)))]).finally(
    () => clearTimeout(timer),
  );
}

/** As kafkajsConsume: a new group reads `records` records, doing nothing with them; timed from the first record. */
export async function platformaticConsume(
  opts: PlatformaticTarget & { topic: string; records: number; groupId: string; timeoutMs?: number },
): Promise<KafkajsRate> {
  const consumer = platformaticConsumer(opts, opts.groupId);
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  try {
    stream = await consumeFromStart(consumer, opts.topic, 1000);
    let read = 0;
    let clock: { t: number; meter: ReturnType<typeof meterCpu> } | undefined;
    const end = await within(
      new Promise<{ t: number; cpu: CpuSplit }>((resolve, reject) => {
        stream!.on('error', reject);
        stream!.on('data', () => {
          read++;
          if (!clock) clock = { t: performance.now(), meter: meterFor(opts.kafkaPids) };
          else if (read === opts.records) resolve({ t: performance.now(), cpu: clock.meter.stop() });
        });
      }),
      opts.timeoutMs ?? 300_000,
      () => `platformatic consume: ${read} of ${opts.records} records`,
    );
    const seconds = (end.t - clock!.t) / 1000;
    return { msgsPerS: (opts.records - 1) / seconds, timedRecords: opts.records - 1, seconds, cpu: end.cpu };
  } finally {
    await stream?.close();
    await consumer.close(true);
  }
}

/** Removes and returns the first records of `buffered` up to `maxBytes` (at least one). */
export function takeUpTo<T extends { key?: Buffer | null; value: Buffer }>(buffered: T[], maxBytes: number): T[] {
  let bytes = 0;
  let n = 0;
  while (n < buffered.length) {
    bytes += RECORD_OVERHEAD + (buffered[n]!.key?.length ?? 0) + buffered[n]!.value.length;
    if (bytes > maxBytes && n > 0) break;
    n++;
  }
  return buffered.splice(0, n);
}

/**
 * As runBarePipe: records read since the last send go out in one send (acks=all, nothing decoded),
 * then their offsets are committed; platformatic's consumer yields records, not fetch batches, so a
 * "batch" is what arrived while the previous send was in flight, up to one send's bytes.
 */
export async function platformaticPipe(
  opts: PlatformaticTarget & {
    input: string;
    output: string;
    records: number;
    groupId: string;
    warmupRecords?: number;
    timeoutMs?: number;
  },
): Promise<KafkajsRate & { readonly recordsPerBatch: number }> {
  const producer = platformaticProducer(opts);
  const consumer = platformaticConsumer(opts, opts.groupId);
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  const warmup = Math.max(1, opts.warmupRecords ?? 1);
  try {
    stream = await consumeFromStart(consumer, opts.input, false);
    const buffered: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
    let wake: () => void = () => undefined;
    let failed: unknown;
    stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => {
      buffered.push(m);
      wake();
    });
    stream.on('error', (err: unknown) => {
      failed = err;
      wake();
    });
    let piped = 0;
    let batches = 0;
    let clock: { t: number; piped: number; meter: ReturnType<typeof meterCpu> } | undefined;
    const loop = async () => {
      while (piped < opts.records) {
        if (failed) throw failed;
        if (buffered.length === 0) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        // One send's worth at a time, as a kafkajs batch is at most one partition's fetch.
        const batch = takeUpTo(buffered, MAX_SEND_BYTES);
        await producer.send({ messages: batch.map((m) => ({ topic: opts.output, key: m.key, value: m.value, headers: m.headers })) });
        const last = new Map<number, Message<Buffer, Buffer, Buffer, Buffer>>();
        for (const m of batch) last.set(m.partition, m);
        await consumer.commit({
          offsets: [...last.values()].map((m) => ({
            topic: m.topic,
            partition: m.partition,
            offset: m.offset + 1n,
            leaderEpoch: m.leaderEpoch,
          })),
        });
        piped += batch.length;
        batches++;
        if (!clock && piped >= warmup) clock = { t: performance.now(), piped, meter: meterFor(opts.kafkaPids) };
      }
      return { t: performance.now(), cpu: clock!.meter.stop() };
    };
    const end = await within(loop(), opts.timeoutMs ?? 300_000, () => `platformatic pipe: ${piped} of ${opts.records} records`);
    const seconds = (end.t - clock!.t) / 1000;
    const timedRecords = piped - clock!.piped;
    if (timedRecords === 0) throw new Error(`platformatic pipe: every record came before the clock started (${piped} records)`);
    return { msgsPerS: timedRecords / seconds, timedRecords, seconds, cpu: end.cpu, recordsPerBatch: piped / batches };
  } finally {
    await stream?.close();
    await consumer.close(true);
    await producer.close();
  }
}
