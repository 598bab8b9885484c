/**
 * npm run bench:inference — on the dev stack (the stack in TIDEWATER_STACK_DIR, else a private one in
 * a temporary directory, removed at the end): (a) ONNX Runtime's session.run alone, the ceiling;
 * (b) a naive kafkajs consumer (eachMessage, one run and one awaited send per message); (c) one
 * Tidewater inference worker process on a backlog, with its peak RSS and CPU split (worker, Kafka);
 * (c'') the bare kafkajs pipe (../kafka/bare-pipe.ts) on the same backlog with the worker's consumer
 * settings; (b), (c) and (c'') alternate by round, medians reported. Then (c') the worker's latency at a
 * paced load and (d) the worker with Kafka transactions. Smaller runs: BENCH_ROUNDS,
 * BENCH_WORKER_EVENTS, BENCH_NAIVE_EVENTS, BENCH_EOS_EVENTS, BENCH_LATENCY_SECONDS. Last line: one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Kafka, logLevel } from 'kafkajs';
import { createStackTopics, runningStack, stackDown, stackEnv, stackUp } from '@tidewater/dev-stack';
import { inferenceConfigSchema, loadOnnxModel } from '@tidewater/inference';
import { avroReader } from '@tidewater/service-runtime';
import { repoRoot, type Prediction } from '@tidewater/schemas';
import { runBarePipe, type BarePipeResult } from '../kafka/bare-pipe.js';
import { formatCpuSplit, meterCpu, roundedShares, type CpuSplit } from '../kafka/process-cpu.js';
import { featureWriter, rateOf, readTimestamps, waitForGroup } from './feature-stream.js';
import { runNaiveConsumer } from './naive-consumer.js';
import { median, ortCeiling, percentile } from './ort-ceiling.js';
import { startWorker } from './worker-process.js';
import { printBenchResult } from '../bench-results/record.js';

// Sizes: big enough that group joins and JIT warm-up are a small share of each timed run.
const NAIVE_EVENTS = Number(process.env['BENCH_NAIVE_EVENTS'] ?? 4000);
// Each run's first outputs are its warm-up (JIT, first fetches) and are not timed, for (b) and (c)
// alike: the naive consumer, run in this process, otherwise gained on each round as the process
// warmed up, while each worker starts cold.
const WARMUP_EVENTS = Number(process.env['BENCH_WARMUP_EVENTS'] ?? 1000);
const WORKER_EVENTS = Number(process.env['BENCH_WORKER_EVENTS'] ?? 100_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const EOS_EVENTS = Number(process.env['BENCH_EOS_EVENTS'] ?? 50_000);
const LATENCY_SECONDS = Number(process.env['BENCH_LATENCY_SECONDS'] ?? 10);
// Backlogs are written in sends of this many records, as an upstream service's batches. On Apache Kafka
// they do not set the consumers' batch sizes: a fetch returns up to FETCH_MAX_BYTES_PER_PARTITION.
const PRODUCE_BATCH = Number(process.env['BENCH_PRODUCE_BATCH'] ?? 1000);
const LATENCY_RATE = Number(process.env['BENCH_LATENCY_RATE'] ?? 2000);
const WORKER_NODE_OPTIONS = process.env['BENCH_WORKER_NODE_OPTIONS'] ?? '--max-old-space-size=256';
const modelDir = join(repoRoot, 'models', 'fraud-demo', '1');

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  // Reuse the stack in TIDEWATER_STACK_DIR when one runs there; otherwise start a private one.
  const reuseDir = process.env['TIDEWATER_STACK_DIR'];
  const reused = reuseDir ? runningStack(reuseDir) : undefined;
  const ownDir = reused ? undefined : mkdtempSync(join(tmpdir(), 'tw-bench-inference-'));
  const state = reused ?? (await stackUp({ dir: ownDir!, fresh: true }));
  const env = stackEnv(state);
  try {
    const kafka = new Kafka({ brokers: env['KAFKA_BROKERS']!.split(','), clientId: 'bench-inference', logLevel: logLevel.NOTHING });
    const registry = new SchemaRegistryClient({ baseURLs: [env['SCHEMA_REGISTRY_URL']!] });
    const run = `${Date.now().toString(36)}`;
    const topic = (name: string) => `bench-inf-${run}-${name}`;
    const rounds = Array.from({ length: ROUNDS }, (_, r) => [
      `naive${r}-in`,
      `naive${r}-out`,
      `w${r}-in`,
      `w${r}-out`,
      `pipe${r}-out`,
    ]).flat();
    await createStackTopics(state.kafka, [
      ...[...rounds, 'lat-in', 'lat-out', 'eos-in', 'eos-out', 'shadow'].map((name) => ({ name: topic(name), partitions: 6 })),
      { name: topic('dlq'), partitions: 1 },
    ]);
    const producer = kafka.producer();
    await producer.connect();

    // (a) The ceiling: session.run alone.
    const model = await loadOnnxModel(modelDir);
    const ceiling = await ortCeiling(model, [1, 8, 64, 256], { rounds: 5, roundMs: 400 });
    console.log('(a) ONNX Runtime session.run, demo model, 1 intra-op thread (median of 5 rounds)');
    for (const c of ceiling)
      console.log(
        `    batch ${String(c.batch).padStart(3)}: ${fmt(c.rowsPerSecond).padStart(12)} rows/s  ${fmt(c.microsPerRun, 1)} µs/run`,
      );

    const workerEnv = (name: string, extra: Record<string, string> = {}): Record<string, string> => ({
      KAFKA_BROKERS: env['KAFKA_BROKERS']!,
      SCHEMA_REGISTRY_URL: env['SCHEMA_REGISTRY_URL']!,
      TOPIC_FEATURES: topic(`${name}-in`),
      TOPIC_PREDICTIONS: topic(`${name}-out`),
      TOPIC_PREDICTIONS_SHADOW: topic('shadow'),
      TOPIC_EVENTS_DLQ: topic('dlq'),
      CONSUMER_GROUP: `bench-${name}-${run}`,
      KAFKA_CLIENT_ID: `bench-${name}-${run}`,
      // The heap cap the README recommends for workers: V8 otherwise grows the heap lazily far past the live set.
      NODE_OPTIONS: WORKER_NODE_OPTIONS,
      ...extra,
    });

    // The worker's own consumer settings (its environment is this process's plus workerEnv), for the bare pipe.
    const workerConfig = inferenceConfigSchema.parse({ ...process.env, ...workerEnv('w0') });

    // (b), (c) and (c'') in alternating rounds, so the noise of a shared machine lands on all alike.
    const naiveRates: number[] = [];
    const workerRates: number[] = [];
    const workerCpu: CpuSplit[] = [];
    const pipes: BarePipeResult[] = [];
    let naiveDone = true;
    let workerComplete = true;
    let rssThroughput = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // (b) The naive consumer on a backlog.
      const naiveIn = await featureWriter(registry, producer, topic(`naive${round}-in`));
      await naiveIn.produce(0, WARMUP_EVENTS + NAIVE_EVENTS, 'naive', PRODUCE_BATCH);
      const naiveGroup = `bench-naive${round}-${run}`;
      const naive = await runNaiveConsumer({
        kafka,
        registry,
        model,
        input: topic(`naive${round}-in`),
        output: topic(`naive${round}-out`),
        groupId: naiveGroup,
      });
      naiveDone &&= await waitForGroup(kafka, naiveGroup, topic(`naive${round}-in`), 180_000);
      await naive.stop();
      const naiveOut = await readTimestamps(kafka, topic(`naive${round}-out`), WARMUP_EVENTS + NAIVE_EVENTS, 30_000);
      naiveRates.push(rateOf(naiveOut, WARMUP_EVENTS));
      console.log(
        `(b) round ${round + 1}: naive kafkajs consumer (eachMessage, 1 run + 1 awaited send per message): ${fmt(naiveRates.at(-1)!)} msgs/s over ${naiveOut.length - WARMUP_EVENTS} messages after ${fmt(WARMUP_EVENTS)} untimed`,
      );

      // (c) One Tidewater worker process on a backlog: throughput and peak RSS.
      const wIn = await featureWriter(registry, producer, topic(`w${round}-in`));
      await wIn.produce(0, WORKER_EVENTS, 'w', PRODUCE_BATCH);
      const worker = startWorker(workerEnv(`w${round}`));
      // CPU of the worker's process and Kafka's JVMs from the group's first commit to its last (start-up excluded).
      let meter: ReturnType<typeof meterCpu> | undefined;
      const workerDone = await waitForGroup(kafka, `bench-w${round}-${run}`, topic(`w${round}-in`), 300_000, () => {
        meter = meterCpu({ worker: [worker.child.pid!], kafka: state.kafka.pids });
      });
      const cpu = meter?.stop();
      if (cpu) workerCpu.push(cpu);
      const rss = worker.peakRssMb();
      rssThroughput = Math.max(rssThroughput, rss);
      await worker.stop();
      const wOut = await readTimestamps(kafka, topic(`w${round}-out`), WORKER_EVENTS, 60_000);
      workerRates.push(rateOf(wOut, WARMUP_EVENTS));
      workerComplete &&= workerDone && wOut.length === WORKER_EVENTS;
      console.log(
        `(c) round ${round + 1}: Tidewater inference worker (NODE_OPTIONS=${WORKER_NODE_OPTIONS}), end to end: ${fmt(workerRates.at(-1)!)} msgs/s over ${wOut.length - WARMUP_EVENTS} of ${WORKER_EVENTS} messages after ${fmt(WARMUP_EVENTS)} untimed, peak RSS ${fmt(rss, 1)} MB; CPU ${cpu ? formatCpuSplit(cpu) : '?'} of one core`,
      );

      // (c'') The bare pipe on the worker's backlog (a new group), with the worker's consumer settings.
      const pipe = await runBarePipe({
        kafka,
        input: topic(`w${round}-in`),
        output: topic(`pipe${round}-out`),
        records: WORKER_EVENTS,
        groupId: `bench-pipe${round}-${run}`,
        partitionsConsumedConcurrently: workerConfig.PARTITIONS_CONSUMED_CONCURRENTLY,
        consumer: { maxBytesPerPartition: workerConfig.FETCH_MAX_BYTES_PER_PARTITION, maxWaitTimeInMs: workerConfig.FETCH_MAX_WAIT_MS },
        warmupRecords: WARMUP_EVENTS,
        kafkaPids: state.kafka.pids,
      });
      pipes.push(pipe);
      console.log(
        `(c'') round ${round + 1}: bare kafkajs pipe on the same backlog (consume -> produce, acks=all, nothing decoded): ${fmt(pipe.msgsPerS)} msgs/s, ${fmt(pipe.recordsPerBatch)} per batch; CPU ${formatCpuSplit(pipe.cpu)} of one core`,
      );
    }
    const naiveRate = median(naiveRates);
    const workerRate = median(workerRates);
    const pipeRate = median(pipes.map((p) => p.msgsPerS));
    const cpuMedian = (splits: readonly CpuSplit[]): CpuSplit => ({
      seconds: median(splits.map((c) => c.seconds)),
      shares: Object.fromEntries(Object.keys(splits[0]?.shares ?? {}).map((k) => [k, median(splits.map((c) => c.shares[k]!))])),
    });
    const workerCpuMedian = cpuMedian(workerCpu);
    const pipeCpuMedian = cpuMedian(pipes.map((p) => p.cpu));
    console.log(
      `(b) median of ${ROUNDS}: ${fmt(naiveRate)} msgs/s;  (c) median of ${ROUNDS}: ${fmt(workerRate)} msgs/s;  (c'') median of ${ROUNDS}: ${fmt(pipeRate)} msgs/s`,
    );

    // (c') Latency: the worker at a steady paced load, per message from feature produce to prediction produce.
    // A fixed, moderate load, produced every 50 ms as an upstream service would.
    const latRate = LATENCY_RATE;
    const latWorker = startWorker(workerEnv('lat'));
    const latIn = await featureWriter(registry, producer, topic('lat-in'));
    await latIn.produce(0, 100, 'lat-warm', 100);
    await waitForGroup(kafka, `bench-lat-${run}`, topic('lat-in'), 120_000);
    const start = Date.now();
    let sent = 100;
    while (Date.now() - start < LATENCY_SECONDS * 1000) {
      const due = 100 + Math.floor(((Date.now() - start) / 1000) * latRate);
      if (due - sent >= latRate / 20) {
        const n = due - sent;
        await latIn.produce(sent, n, 'lat', n);
        sent += n;
      } else await new Promise((r) => setTimeout(r, 5));
    }
    await waitForGroup(kafka, `bench-lat-${run}`, topic('lat-in'), 120_000);
    const rssLatency = latWorker.peakRssMb();
    await latWorker.stop();
    const [features, predictions] = await Promise.all([
      readTimestamps(kafka, topic('lat-in'), sent, 60_000),
      readTimestamps(kafka, topic('lat-out'), sent, 60_000),
    ]);
    const sentAt = new Map(features.map((f) => [`${f.partition}:${f.offset}`, f.ts]));
    const reader = avroReader(registry, 'prediction');
    await reader.prepare(predictions.map((p) => p.value));
    const latencies: number[] = [];
    for (const p of predictions) {
      const prediction = reader.decode(p.value) as Prediction;
      if (prediction.event_id.startsWith('lat-warm')) continue;
      const t0 = sentAt.get(`${prediction.source.partition}:${prediction.source.offset}`);
      if (t0 !== undefined) latencies.push(p.ts - t0);
    }
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `    latency at ${fmt(latRate)} msgs/s for ${LATENCY_SECONDS} s (${latencies.length} messages): p50 ${fmt(p50, 1)} ms, p99 ${fmt(p99, 1)} ms; peak RSS ${fmt(rssLatency, 1)} MB`,
    );

    // (d) The cost of exactly-once: the same worker with Kafka transactions. Apache Kafka stores the
    // offsets a transaction commits (TxnOffsetCommit), so the group's committed offsets say when it is done.
    const eosIn = await featureWriter(registry, producer, topic('eos-in'));
    await eosIn.produce(0, EOS_EVENTS, 'eos', PRODUCE_BATCH);
    const eosWorker = startWorker(workerEnv('eos', { EXACTLY_ONCE: 'true', TRANSACTIONAL_ID: `bench-eos-${run}` }));
    const eosDone = await waitForGroup(kafka, `bench-eos-${run}`, topic('eos-in'), 300_000);
    await eosWorker.stop();
    const eosOut = await readTimestamps(kafka, topic('eos-out'), EOS_EVENTS, 60_000);
    const eosRate = rateOf(eosOut, WARMUP_EVENTS);
    console.log(
      `(d) the worker with EXACTLY_ONCE=true: ${fmt(eosRate)} msgs/s over ${eosOut.length} messages${eosDone ? '' : ' (DID NOT FINISH)'}`,
    );

    await producer.disconnect();
    await model.close();

    const b1 = ceiling.find((c) => c.batch === 1)!.rowsPerSecond;
    const b256 = ceiling.find((c) => c.batch === 256)!.rowsPerSecond;
    const rss = Math.max(rssThroughput, rssLatency);
    console.log('');
    console.log(`ratio (c)/(b): ${fmt(workerRate / naiveRate, 1)}x   (target >= 10x)`);
    console.log(
      `ratio (c)/(c''): ${fmt(workerRate / pipeRate, 2)} of the bare kafkajs pipe on the same backlog and broker (${fmt(pipeRate)} msgs/s)`,
    );
    console.log(
      `CPU, median of ${ROUNDS} rounds, shares of one core: worker run ${formatCpuSplit(workerCpuMedian)}; bare pipe ${formatCpuSplit(pipeCpuMedian)}`,
    );
    console.log(
      `ratio (c)/(a) at batch 256: ${fmt((workerRate / b256) * 100, 2)}% of the session.run ceiling; (c)/(a) at batch 1: ${fmt(workerRate / b1, 2)}x`,
    );
    console.log(`worker: ${fmt(workerRate)} predictions/s (target >= 25,000), peak RSS ${fmt(rss, 1)} MB (target < 300 MB)`);
    console.log(`machine load average (1 min) at the end: ${fmt(loadavg()[0]!, 1)} on ${cpus().length} cores (other processes share them)`);
    console.log(`exactly-once costs ${fmt((1 - eosRate / workerRate) * 100, 1)}% of the throughput`);
    printBenchResult(
      JSON.stringify({
        bench: 'inference',
        ort_rows_per_s_b1: Math.round(b1),
        ort_rows_per_s_b8: Math.round(ceiling.find((c) => c.batch === 8)!.rowsPerSecond),
        ort_rows_per_s_b64: Math.round(ceiling.find((c) => c.batch === 64)!.rowsPerSecond),
        ort_rows_per_s_b256: Math.round(b256),
        naive_msgs_per_s: Math.round(naiveRate),
        naive_rounds_msgs_per_s: naiveRates.map(Math.round),
        worker_rounds_msgs_per_s: workerRates.map(Math.round),
        worker_msgs_per_s: Math.round(workerRate),
        worker_p50_ms: p50,
        worker_p99_ms: p99,
        worker_rss_mb: Math.round(rss * 10) / 10,
        worker_eos_msgs_per_s: Math.round(eosRate),
        ratio_worker_naive: Math.round((workerRate / naiveRate) * 10) / 10,
        bare_pipe_msgs_per_s: Math.round(pipeRate),
        bare_pipe_rounds_msgs_per_s: pipes.map((p) => Math.round(p.msgsPerS)),
        ratio_worker_bare_pipe: Math.round((workerRate / pipeRate) * 1000) / 1000,
        worker_cpu_shares: roundedShares(workerCpuMedian),
        bare_pipe_cpu_shares: roundedShares(pipeCpuMedian),
        bare_pipe_partitions_concurrently: workerConfig.PARTITIONS_CONSUMED_CONCURRENTLY,
        ratio_worker_ort_b256: Math.round((workerRate / b256) * 10_000) / 10_000,
        latency_load_msgs_per_s: latRate,
        backlog_produce_batch: PRODUCE_BATCH,
        warmup_events: WARMUP_EVENTS,
        median_latency_sample: latencies.length,
        complete: naiveDone && workerComplete && eosDone && eosOut.length === EOS_EVENTS && Number.isFinite(median(latencies)),
        load_average_1m: Math.round(loadavg()[0]! * 10) / 10,
      }),
    );
  } finally {
    if (ownDir) {
      await stackDown(ownDir);
      rmSync(ownDir, { recursive: true, force: true });
    }
  }
}

await main();
