// Helpers for tests that SIGKILL inference worker processes mid-stream on Apache Kafka: a tap on
// the predictions topic, the moment a kill leaves work half done, and Kafka's own console consumer.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Kafka, logLevel } from 'kafkajs';
import { apacheKafkaClasspath, apacheKafkaLog4j } from '@tidewater/dev-kafka';
import type { KafkaAdmin } from '@tidewater/kafka';
import type { Prediction } from '@tidewater/schemas';
import { avroReader } from '@tidewater/service-runtime';
import { type RunningService, uniqueName, waitFor } from '@tidewater/test-support';

/** One record of the predictions topic as a tap read it. */
export interface TappedPrediction {
  readonly partition: number;
  readonly offset: string;
  /** The record's CreateTime: when the worker produced it. */
  readonly timestamp: number;
  readonly eventId: string;
  readonly source: { readonly partition: number; readonly offset: number };
  /** Which producer wrote it (id.epoch): a transactional id keeps its producer id across restarts, with a new epoch. */
  readonly producer: string;
}

export interface PredictionTap {
  readonly records: readonly TappedPrediction[];
  /** Called with each record as soon as it is decoded. */
  onRecord: ((record: TappedPrediction) => void) | undefined;
  /** Resolves once the tap has read (control records included) up to `ends` on every partition. */
  caughtUp(ends: ReadonlyMap<number, bigint>, timeoutMs: number): Promise<void>;
  /**
   * Resolves with the end offsets once no transaction on the topic is undecided (the last stable
   * offset is the high watermark) and the tap has read to them. Meaningful at read_uncommitted.
   */
  settled(admin: KafkaAdmin, timeoutMs: number): Promise<Map<number, bigint>>;
  stop(): Promise<void>;
}

/**
 * Reads a predictions topic from the beginning with its own group, at one isolation level, until
 * stopped. A raw kafkajs consumer of its own: it reads what the seam does not carry (the batch
 * events of control records, each record's producer id and epoch).
 */
export async function tapPredictions(
  brokers: readonly string[],
  registry: SchemaRegistryClient,
  topic: string,
  isolation: 'read_committed' | 'read_uncommitted',
): Promise<PredictionTap> {
  const reader = avroReader(registry, 'prediction');
  const records: TappedPrediction[] = [];
  const tap: PredictionTap = {
    records,
    onRecord: undefined,
    caughtUp: (ends, timeoutMs) =>
      waitFor(() => [...ends].every(([partition, end]) => end === 0n || (next.get(partition) ?? 0n) >= end), {
        timeoutMs,
        intervalMs: 100,
        what: `the ${isolation} tap to reach the end of ${topic}`,
      }).then(() => undefined),
    settled: (admin, timeoutMs) =>
      waitFor(
        async () => {
          const stable = await lastStableOffsets(admin, topic);
          const done = [...stable].every(([p, lso]) => lso === (highWatermark.get(p) ?? 0n) && (next.get(p) ?? 0n) >= lso);
          return done && stable;
        },
        { timeoutMs, intervalMs: 100, what: `no undecided transaction on ${topic}` },
      ),
    stop: () => consumer.disconnect(),
  };
  const next = new Map<number, bigint>();
  const highWatermark = new Map<number, bigint>();
  const kafka = new Kafka({ brokers: [...brokers], clientId: uniqueName('tap'), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName('tap'), maxWaitTimeInMs: 100, readUncommitted: isolation === 'read_uncommitted' });
  // Emitted for batches of control records or aborted records too, which never reach eachBatch.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    next.set(payload.partition, BigInt(payload.lastOffset) + 1n);
    highWatermark.set(payload.partition, BigInt(payload.highWatermark));
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      await reader.prepare(batch.messages.map((m) => m.value));
      for (const m of batch.messages) {
        const p = reader.decode(m.value!) as Prediction;
        const record = {
          partition: batch.partition,
          offset: m.offset,
          timestamp: Number(m.timestamp),
          eventId: p.event_id,
          source: { partition: p.source.partition, offset: p.source.offset },
          producer: producerOf(m),
        };
        records.push(record);
        tap.onRecord?.(record);
      }
    },
  });
  return tap;
}

/** kafkajs decodes each record's batch header as `batchContext`, without declaring it. */
function producerOf(message: object): string {
  const batch = (message as { batchContext?: { producerId?: string; producerEpoch?: number } }).batchContext;
  return `${batch?.producerId ?? '?'}.${batch?.producerEpoch ?? '?'}`;
}

/**
 * The last stable offset of each partition: kafkajs's admin lists offsets at read_committed, so
 * `high` stops at the first record of a transaction not yet committed or aborted (for a topic
 * without transactions, the high watermark).
 */
export async function lastStableOffsets(admin: KafkaAdmin, topic: string): Promise<Map<number, bigint>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
}

/** The group's committed next offset per partition (0 where it committed none). */
export async function committedOffsets(admin: KafkaAdmin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((t?.partitions ?? []).map((p) => [p.partition, p.offset === '-1' ? 0n : BigInt(p.offset)]));
}

/** The partitions of `topic` the worker's last "joined group" log line assigned it, and when. */
export function lastAssignment(worker: RunningService, topic: string): { partitions: number[]; at: number } | undefined {
  const line = readFileSync(worker.logFile, 'utf8')
    .split('\n')
    .findLast((l) => l.includes('"msg":"joined group"'));
  if (!line) return undefined;
  const entry = JSON.parse(line) as { time: string; assignment: Record<string, number[]> };
  return { partitions: entry.assignment[topic] ?? [], at: Date.parse(entry.time) };
}

export interface MidFlight {
  /** Predictions the worker wrote for input whose offsets were not committed when it died. */
  readonly uncommitted: number;
  readonly partitions: readonly number[];
  /** How often it was frozen, the last time mid-flight. */
  readonly attempts: number;
}

/** How long a frozen worker's input offsets must stay uncommitted for it to count as mid-flight. */
const FROZEN_MS = 2000;

/**
 * SIGKILLs the worker at a moment when it has written predictions whose input offsets are not
 * committed (in exactly-once mode: inside an open transaction). It is frozen with SIGSTOP the
 * moment the tap reads one of its predictions, since its commit follows within milliseconds. If
 * the offsets then read back committed (its commit was already on the wire, or a committed
 * transaction's markers landed), it runs on until its next prediction; if they stay behind for
 * FROZEN_MS, nothing but the frozen worker could move them, and it dies there.
 */
export async function killMidFlight(
  worker: RunningService,
  opts: { admin: KafkaAdmin; tap: PredictionTap; groupId: string; features: string },
  timeoutMs: number,
): Promise<MidFlight> {
  const deadline = Date.now() + timeoutMs;
  for (let attempts = 0; Date.now() < deadline;) {
    const joined = lastAssignment(worker, opts.features);
    if (!joined || joined.partitions.length === 0) {
      await sleep(250);
      continue;
    }
    const own = (r: TappedPrediction) => r.timestamp >= joined.at && joined.partitions.includes(r.source.partition);
    // Waits at most 2 s, then reads the assignment again: a rebalance may have moved its partitions.
    const frozen = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        opts.tap.onRecord = undefined;
        resolve(false);
      }, 2000);
      opts.tap.onRecord = (r) => {
        if (!own(r)) return;
        worker.child.kill('SIGSTOP');
        opts.tap.onRecord = undefined;
        clearTimeout(timer);
        resolve(true);
      };
    });
    if (!frozen) continue;
    attempts++;
    let killed = false;
    try {
      // Well under the group's 10 s session timeout, so the worker stays a member while frozen.
      const uncommitted = async () => {
        const committed = await committedOffsets(opts.admin, opts.groupId, opts.features);
        return opts.tap.records.filter((r) => own(r) && BigInt(r.source.offset) >= (committed.get(r.source.partition) ?? 0n)).length;
      };
      const stoppedAt = Date.now();
      let pending = await uncommitted();
      while (pending > 0 && Date.now() - stoppedAt < FROZEN_MS) {
        await sleep(100);
        pending = await uncommitted();
      }
      if (pending > 0) {
        worker.child.kill('SIGKILL');
        killed = true;
        return { uncommitted: pending, partitions: joined.partitions, attempts };
      }
    } finally {
      if (!killed) worker.child.kill('SIGCONT');
    }
  }
  throw new Error(`worker ${worker.logFile} was not caught mid-flight within ${timeoutMs} ms`);
}

/**
 * Reads a topic with Kafka's own Java console consumer at read_committed, printing each record's
 * partition and offset (values are Avro, keys Avro too), until it has seen nothing for `idleMs`.
 */
export async function consoleConsumer(
  bootstrap: string,
  topic: string,
  opts: { idleMs: number; timeoutMs: number },
): Promise<{ records: { partition: number; offset: string }[]; processed: number }> {
  const formatter = ['print.partition=true', 'print.offset=true', 'print.key=false', 'print.value=false'];
  const child = spawn(
    'java',
    [
      '-cp',
      apacheKafkaClasspath(),
      `-Dlog4j2.configurationFile=${apacheKafkaLog4j}`,
      '-Dtidewater.kafka.logLevel=WARN',
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      ...['--bootstrap-server', bootstrap, '--topic', topic, '--from-beginning', '--isolation-level', 'read_committed'],
      ...['--timeout-ms', String(opts.idleMs), ...formatter.flatMap((f) => ['--formatter-property', f])],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  // It exits 0 once idle (after logging the TimeoutException that ends it) and reports its count on stderr.
  const processed = /Processed a total of (\d+) messages/.exec(err);
  if (code !== 0 || !processed) throw new Error(`console consumer exited with ${code}: ${err.slice(-2000)}`);
  const records = [...out.matchAll(/^Partition:(\d+)\tOffset:(\d+)/gm)].map((m) => ({ partition: Number(m[1]), offset: m[2]! }));
  return { records, processed: Number(processed[1]) };
}
