/**
 * npm run bench:kafka — what one Apache Kafka broker on this machine does for the clients, measured
 * side by side in one run. Two suites (BENCH_KAFKA_SUITE=clients, the default; java; or all):
 *
 * clients (clients-bench.ts, issue 19 part 3): pristine kafkajs 2.2.4, our patched kafkajs and
 *   @platformatic/kafka, each in processes of its own, in rotating rounds: produce, consume,
 *   consume -> produce, latency at a fixed rate, the inference worker and the feature service end to
 *   end, CPU per event and peak RSS; medians and ratios to patched kafkajs. JSON keys per client
 *   under `clients`; recorded as bench `kafka-clients` when it runs alone.
 *
 * java: Kafka's own Java client and kafkajs, on records the size of our Avro feature vectors:
 * (a) Kafka's tools from the broker's own jars: ProducerPerformance (unthrottled, acks=all) with the
 *     Java client's defaults, and once more with larger batches (its default 16 KiB batches are its
 *     limit on this machine); ConsumerPerformance reading the defaults' topic with a new group.
 * (b) kafkajs, configured as the services configure it: the same Java-written topic read by a new
 *     group with eachBatch (no work per record); produce in awaited sends of 1,000 (acks=all,
 *     idempotent); then the kafkajs-written topic (the shape of the service benchmarks' backlogs)
 *     read by both consumers, since record batch sizes change what a consumer costs.
 * (c) The bare pipe (bare-pipe.ts): a consumer group reading the kafkajs-written topic and producing
 *     each batch to another topic (acks=all, nothing decoded); each service benchmark runs it too.
 *
 * Every part runs once per round, so a shared machine's noise lands on all alike; figures are
 * medians of the rounds. Reuses the stack in TIDEWATER_STACK_DIR when one runs there, else starts a
 * private one in a temporary directory (removed at the end). Smaller runs: BENCH_ROUNDS,
 * BENCH_JAVA_RECORDS, BENCH_KAFKAJS_RECORDS (java); the BENCH_* knobs in clients-bench.ts (clients).
 * Last line: one JSON object.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createStackTopics, runningStack, stackDown, stackEnv, stackUp, type StackState } from '@tidewater/dev-stack';
import { WIRE_HEADER_SIZE } from '@tidewater/kafka';
import { loadSchema } from '@tidewater/schemas';
import { featureVector } from '../inference/feature-stream.js';
import { median } from '../inference/ort-ceiling.js';
import { runBarePipe } from './bare-pipe.js';
import { javaConsumerPerf, javaProducerPerf } from './java-perf.js';
import { kafkajsConsume, kafkajsProduce } from './kafkajs-perf.js';
import { meterCpu, type CpuSplit } from './process-cpu.js';
import { printBenchResult } from '../bench-results/record.js';
import { runClientsBench } from './clients-bench.js';

const SUITE = process.env['BENCH_KAFKA_SUITE'] ?? 'clients';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const JAVA_RECORDS = Number(process.env['BENCH_JAVA_RECORDS'] ?? 500_000);
const KAFKAJS_RECORDS = Number(process.env['BENCH_KAFKAJS_RECORDS'] ?? 300_000);
/** The Java producer once more with batches at least as large as a kafkajs send of 1,000 makes (about 36 KB per partition). */
const JAVA_BATCHED_PROPS = { 'batch.size': 65_536, 'linger.ms': 10 };
const JAVA_BATCHED_LABEL = 'batch.size 64 KiB, linger.ms 10';
/** The first tenth of every producer's records is its warm-up (JIT, connections, metadata). */
const WARMUP_SHARE = 0.1;
const PARTITIONS = 6;
const SEND_SIZE = 1000;
/** kafkajs's partitionsConsumedConcurrently for its consumer and the pipe (the services use 1 to 6). */
const CONCURRENCY = Number(process.env['BENCH_PARTITIONS_CONCURRENTLY'] ?? 1);

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (share: number | undefined) => (share === undefined || !Number.isFinite(share) ? '—' : `${Math.round(share * 100)}%`);

/**
 * Bytes of a feature vector record's value as the feature service writes it (Confluent header + Avro
 * body): the mean over the vectors bench:inference's worker scores (feature-stream.ts, ids w-0..w-99999).
 */
function featureVectorRecordSize(): number {
  const type = loadSchema('featureVector').type;
  let bytes = 0;
  let n = 0;
  for (let i = 0; i < 100_000; i += 97, n++) bytes += WIRE_HEADER_SIZE + type.toBuffer(featureVector(i, 'w')).length;
  return Math.round(bytes / n);
}

function kafkajsVersion(): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as { version: string }).version;
}

interface Row {
  readonly client: string;
  readonly op: string;
  readonly writtenBy: string;
  readonly rates: number[];
  readonly cpu: CpuSplit[];
  /** Records per run, for the Java tools (whose CPU is metered over their whole run). */
  records?: number;
}

const row = (client: string, op: string, writtenBy: string): Row => ({ client, op, writtenBy, rates: [], cpu: [] });

/** Adds a kafkajs part's rate and CPU split (its client's CPU under `self`). */
function push(into: Row, r: { msgsPerS: number; cpu: CpuSplit }): void {
  into.rates.push(r.msgsPerS);
  const { client, pipe, ...rest } = r.cpu.shares;
  into.cpu.push({ seconds: r.cpu.seconds, shares: { self: client ?? pipe ?? NaN, ...rest } });
}

async function main(): Promise<void> {
  if (!['clients', 'java', 'all'].includes(SUITE)) throw new Error(`BENCH_KAFKA_SUITE must be clients, java or all, not ${SUITE}`);
  const reuseDir = process.env['TIDEWATER_STACK_DIR'];
  const reused = reuseDir ? runningStack(reuseDir) : undefined;
  const ownDir = reused ? undefined : mkdtempSync(join(tmpdir(), 'tw-bench-kafka-'));
  const state = reused ?? (await stackUp({ dir: ownDir!, fresh: true }));
  try {
    if (state.kafka.kind !== 'apache') throw new Error(`bench:kafka measures Apache Kafka; the stack runs ${state.kafka.kind}`);
    const recordSize = featureVectorRecordSize();
    console.log(
      `Apache Kafka ${state.kafka.version} (${state.kafka.pids.length} KRaft node${state.kafka.pids.length === 1 ? '' : 's'}), kafkajs ${kafkajsVersion()}, Node ${process.version}; ` +
        `topics of ${PARTITIONS} partitions; records of ${recordSize} bytes (a feature vector's value in Confluent wire format)`,
    );
    const java = SUITE === 'clients' ? {} : await javaSuite(state, recordSize);
    const clients = SUITE === 'java' ? {} : await runClientsBench(state, recordSize);
    printBenchResult(
      JSON.stringify({
        // The clients suite alone is a bench of its own in results.jsonl (its figures differ from the java suite's).
        bench: SUITE === 'clients' ? 'kafka-clients' : 'kafka',
        suite: SUITE,
        kafka_version: state.kafka.version,
        kafka_nodes: state.kafka.pids.length,
        kafkajs_version: kafkajsVersion(),
        node_version: process.version,
        record_bytes: recordSize,
        partitions: PARTITIONS,
        ...java,
        ...clients,
        load_average_1m: Math.round(loadavg()[0]! * 10) / 10,
      }),
    );
  } finally {
    if (ownDir) {
      await stackDown(ownDir);
      // The topics hold hundreds of MB; the stack's data goes with the run.
      rmSync(ownDir, { recursive: true, force: true });
    }
  }
}

/** The java suite: Kafka's Java tools, kafkajs and the bare pipe; returns its JSON fields. */
async function javaSuite(state: StackState, recordSize: number): Promise<Record<string, unknown>> {
  const bootstrap = stackEnv(state)['KAFKA_BROKERS']!;
  const kafka = new Kafka({ brokers: bootstrap.split(','), clientId: 'bench-kafka', logLevel: logLevel.NOTHING });
  const kafkaPids = state.kafka.pids;
  const run = Date.now().toString(36);
  const topic = (name: string, round: number) => `bench-kafka-${run}-${name}-${round}`;
  await createStackTopics(
    state.kafka,
    Array.from({ length: ROUNDS }, (_, r) =>
      ['java', 'kafkajs', 'pipe'].map((name) => ({ name: topic(name, r), partitions: PARTITIONS })),
    ).flat(),
  );

  const rows = {
    javaProduce: row('Java (ProducerPerformance)', 'produce, client defaults (batch.size 16 KiB, linger.ms 5)', '—'),
    javaProduceBatched: row('Java (ProducerPerformance)', `produce, ${JAVA_BATCHED_LABEL}`, '—'),
    javaConsume: row('Java (ConsumerPerformance)', 'consume', 'Java, defaults'),
    jsConsume: row('kafkajs', 'consume (eachBatch)', 'Java, defaults'),
    jsProduce: row('kafkajs', `produce, sends of ${fmt(SEND_SIZE)}`, '—'),
    javaConsumeJs: row('Java (ConsumerPerformance)', 'consume', 'kafkajs'),
    jsConsumeJs: row('kafkajs', 'consume (eachBatch)', 'kafkajs'),
    pipe: row('kafkajs bare pipe', 'consume -> produce', 'kafkajs'),
  };
  let jsBatch = 0;
  let pipeBatch = 0;
  for (let r = 0; r < ROUNDS; r++) {
    // (a) Kafka's own tools. They time themselves; Kafka's CPU is metered over the tool's whole run.
    const javaPart = async (into: Row, part: () => Promise<{ msgsPerS: number }>, records: number) => {
      const meter = meterCpu({ kafka: kafkaPids });
      const result = await part();
      into.rates.push(result.msgsPerS);
      into.cpu.push(meter.stop());
      into.records = records;
      return result.msgsPerS;
    };
    const javaProducer = (name: string, props?: Record<string, number>) =>
      javaProducerPerf({
        bootstrap,
        topic: topic(name, r),
        records: JAVA_RECORDS,
        recordSize,
        warmupRecords: Math.round(JAVA_RECORDS * WARMUP_SHARE),
        ...(props ? { props } : {}),
      });
    const javaConsumer = (name: string, records: number) =>
      javaConsumerPerf({ bootstrap, topic: topic(name, r), records, group: `bench-kafka-java-${name}-${run}-${r}` });
    const jsConsumer = (name: string, records: number) =>
      kafkajsConsume({
        kafka,
        topic: topic(name, r),
        records,
        groupId: `bench-kafka-js-${name}-${run}-${r}`,
        partitionsConsumedConcurrently: CONCURRENCY,
        kafkaPids,
      });
    const jp = await javaPart(rows.javaProduce, () => javaProducer('java'), JAVA_RECORDS);
    const jpb = await javaPart(rows.javaProduceBatched, () => javaProducer('java-batched', JAVA_BATCHED_PROPS), JAVA_RECORDS);
    const jc = await javaPart(rows.javaConsume, () => javaConsumer('java', JAVA_RECORDS), JAVA_RECORDS);
    // (b) kafkajs on the same Java-written topic, then its own produce, then both consumers on that.
    const c = await jsConsumer('java', JAVA_RECORDS);
    push(rows.jsConsume, c);
    jsBatch = c.recordsPerBatch;
    const p = await kafkajsProduce({
      kafka,
      topic: topic('kafkajs', r),
      records: KAFKAJS_RECORDS,
      recordSize,
      sendSize: SEND_SIZE,
      warmupRecords: Math.round(KAFKAJS_RECORDS * WARMUP_SHARE),
      kafkaPids,
    });
    push(rows.jsProduce, p);
    const jcj = await javaPart(rows.javaConsumeJs, () => javaConsumer('kafkajs', KAFKAJS_RECORDS), KAFKAJS_RECORDS);
    const cj = await jsConsumer('kafkajs', KAFKAJS_RECORDS);
    push(rows.jsConsumeJs, cj);
    // (c) The bare pipe on the kafkajs-written topic.
    const bp = await runBarePipe({
      kafka,
      input: topic('kafkajs', r),
      output: topic('pipe', r),
      records: KAFKAJS_RECORDS,
      groupId: `bench-kafka-pipe-${run}-${r}`,
      partitionsConsumedConcurrently: CONCURRENCY,
      kafkaPids,
    });
    push(rows.pipe, bp);
    pipeBatch = bp.recordsPerBatch;
    console.log(
      `round ${r + 1}/${ROUNDS} msgs/s: java produce ${fmt(jp)} (batched ${fmt(jpb)}), java consume ${fmt(jc)}, kafkajs consume ${fmt(c.msgsPerS)}, ` +
        `kafkajs produce ${fmt(p.msgsPerS)}, on its topic java consume ${fmt(jcj)} and kafkajs consume ${fmt(cj.msgsPerS)}, bare pipe ${fmt(bp.msgsPerS)}`,
    );
  }

  const mb = (msgs: number) => (msgs * recordSize) / 1e6;
  const cpuOf = (row: Row, name: string) => median(row.cpu.map((c) => c.shares[name] ?? NaN));
  // Kafka's CPU per record: its CPU seconds over a part, over the part's records. For the Java tools that
  // is over the tool's whole run (Kafka idles during the JVM's start-up); for kafkajs over the timed span.
  const kafkaMicros = (row: Row) =>
    median(
      row.cpu.map((c, i) =>
        row.records ? (c.shares['kafka']! * c.seconds * 1e6) / row.records : (c.shares['kafka']! * 1e6) / row.rates[i]!,
      ),
    );
  console.log('');
  console.log(`median of ${ROUNDS} rounds; CPU in shares of one core over the timed span (${cpus().length} cores, shared with others)`);
  console.log(
    '| client | operation | topic written by | median msgs/s | MB/s | rounds msgs/s | client CPU | Kafka CPU | Kafka CPU µs/record |',
  );
  console.log(
    '| ------ | --------- | ---------------- | ------------- | ---- | ------------- | ---------- | --------- | ------------------- |',
  );
  for (const row of Object.values(rows)) {
    const m = median(row.rates);
    const java = row.records !== undefined;
    console.log(
      `| ${row.client} | ${row.op} | ${row.writtenBy} | ${fmt(m)} | ${fmt(mb(m), 1)} | ${row.rates.map((x) => fmt(x)).join(', ')} | ` +
        `${java ? '—' : pct(cpuOf(row, 'self'))} | ${java ? '—' : pct(cpuOf(row, 'kafka'))} | ${fmt(kafkaMicros(row), 1)} |`,
    );
  }
  const med = (row: Row) => median(row.rates);
  const jpm = med(rows.javaProduce);
  const jpbm = med(rows.javaProduceBatched);
  const jcm = med(rows.javaConsume);
  const kpm = med(rows.jsProduce);
  const kcm = med(rows.jsConsume);
  const jcjm = med(rows.javaConsumeJs);
  const kcjm = med(rows.jsConsumeJs);
  const pm = med(rows.pipe);
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  console.log('');
  console.log(
    `kafkajs / Java: produce ${fmt(kpm / jpm, 2)} (${fmt(kpm / jpbm, 2)} against ${JAVA_BATCHED_LABEL}), consume ${fmt(kcm / jcm, 2)} on the Java-written topic, ` +
      `${fmt(kcjm / jcjm, 2)} on the kafkajs-written one; bare pipe / kafkajs produce ${fmt(pm / kpm, 2)}`,
  );
  console.log(
    `kafkajs batches (one partition's fetch): ${fmt(jsBatch)} records on the Java-written topic, ${fmt(pipeBatch)} in the pipe; partitionsConsumedConcurrently ${CONCURRENCY}`,
  );
  console.log(`machine load average (1 min) at the end: ${fmt(loadavg()[0]!, 1)} on ${cpus().length} cores (other processes share them)`);
  return {
    rounds: ROUNDS,
    java_records: JAVA_RECORDS,
    kafkajs_records: KAFKAJS_RECORDS,
    partitions_concurrently: CONCURRENCY,
    java_produce_msgs_per_s: Math.round(jpm),
    java_produce_batched_msgs_per_s: Math.round(jpbm),
    java_produce_batched_props: JAVA_BATCHED_PROPS,
    java_consume_msgs_per_s: Math.round(jcm),
    kafkajs_produce_msgs_per_s: Math.round(kpm),
    kafkajs_consume_msgs_per_s: Math.round(kcm),
    java_consume_kafkajs_topic_msgs_per_s: Math.round(jcjm),
    kafkajs_consume_kafkajs_topic_msgs_per_s: Math.round(kcjm),
    kafkajs_pipe_msgs_per_s: Math.round(pm),
    kafkajs_send_size: SEND_SIZE,
    ratio_kafkajs_java_produce: ratio(kpm, jpm),
    ratio_kafkajs_java_produce_batched: ratio(kpm, jpbm),
    ratio_kafkajs_java_consume: ratio(kcm, jcm),
    ratio_kafkajs_java_consume_kafkajs_topic: ratio(kcjm, jcjm),
    ratio_pipe_kafkajs_produce: ratio(pm, kpm),
    pipe_cpu_share: Math.round(cpuOf(rows.pipe, 'self') * 100) / 100,
    pipe_kafka_cpu_share: Math.round(cpuOf(rows.pipe, 'kafka') * 100) / 100,
    rounds_msgs_per_s: Object.fromEntries(Object.entries(rows).map(([k, row]) => [k, row.rates.map(Math.round)])),
  };
}

await main();
