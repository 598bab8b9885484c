import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Kafka, logLevel } from 'kafkajs';
import { createStackTopics, runningStack, stackDown, stackEnv, stackUp } from '@tidewater/dev-stack';
import { loadOnnxModel } from '@tidewater/inference';
import { avroReader } from '@tidewater/service-runtime';
import { repoRoot, type Prediction } from '@tidewater/schemas';
import { featureWriter, rateOf, readTimestamps, waitForGroup, waitForRecords } from './feature-stream.js';
import { runNaiveConsumer } from './naive-consumer.js';
import { median, ortCeiling, percentile } from './ort-ceiling.js';
import { startWorker } from './worker-process.js';

// Sizes: big enough that group joins and JIT warm-up are a small share of each timed run, and small
// enough for the mock cluster, which keeps only about 5 MB per partition (older records vanish).
const NAIVE_EVENTS = Number(process.env['BENCH_NAIVE_EVENTS'] ?? 4000);
// Each run's first outputs are its warm-up (JIT, first fetches) and are not timed, for (b) and (c)
// alike: the naive consumer, run in this process, otherwise gained on each round as the process
// warmed up, while each worker starts cold.
const WARMUP_EVENTS = Number(process.env['BENCH_WARMUP_EVENTS'] ?? 1000);
const WORKER_EVENTS = Number(process.env['BENCH_WORKER_EVENTS'] ?? 100_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const EOS_EVENTS = Number(process.env['BENCH_EOS_EVENTS'] ?? 50_000);
const LATENCY_SECONDS = Number(process.env['BENCH_LATENCY_SECONDS'] ?? 10);
// Backlogs are written in requests this large. The mock cluster returns one producer request's
// records per partition per fetch, so this sets the consumers' fetched batch sizes; 6,000 (about
// 1,000 per partition) measured no faster than 1,000 for the worker and raised its RSS.
const PRODUCE_BATCH = Number(process.env['BENCH_PRODUCE_BATCH'] ?? 1000);
const LATENCY_RATE = Number(process.env['BENCH_LATENCY_RATE'] ?? 2000);
const WORKER_NODE_OPTIONS = process.env['BENCH_WORKER_NODE_OPTIONS'] ?? '--max-old-space-size=160';
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
    const rounds = Array.from({ length: ROUNDS }, (_, r) => [`naive${r}-in`, `naive${r}-out`, `w${r}-in`, `w${r}-out`]).flat();
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

    const workerEnv = (name: string, extra: Record<string, string> = {}) => ({
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

    // (b) and (c) in alternating rounds, so the noise of a shared machine lands on both alike.
    const naiveRates: number[] = [];
    const workerRates: number[] = [];
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
      const workerDone = await waitForGroup(kafka, `bench-w${round}-${run}`, topic(`w${round}-in`), 300_000);
      const rss = worker.peakRssMb();
      rssThroughput = Math.max(rssThroughput, rss);
      await worker.stop();
      const wOut = await readTimestamps(kafka, topic(`w${round}-out`), WORKER_EVENTS, 60_000);
      workerRates.push(rateOf(wOut, WARMUP_EVENTS));
      workerComplete &&= workerDone && wOut.length === WORKER_EVENTS;
      console.log(
        `(c) round ${round + 1}: Tidewater inference worker (NODE_OPTIONS=${WORKER_NODE_OPTIONS}), end to end: ${fmt(workerRates.at(-1)!)} msgs/s over ${wOut.length - WARMUP_EVENTS} of ${WORKER_EVENTS} messages after ${fmt(WARMUP_EVENTS)} untimed, peak RSS ${fmt(rss, 1)} MB`,
      );
    }
    const naiveRate = median(naiveRates);
    const workerRate = median(workerRates);
    console.log(`(b) median of ${ROUNDS}: ${fmt(naiveRate)} msgs/s;  (c) median of ${ROUNDS}: ${fmt(workerRate)} msgs/s`);

    // (c') Latency: the worker at a steady paced load, per message from feature produce to prediction produce.
    // A fixed, moderate load, produced every 50 ms as an upstream service would: the mock cluster hands a
    // consumer one producer request's records per partition per fetch, so tiny sends would cap any consumer.
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

    // (d) The cost of exactly-once: the same worker with Kafka transactions.
    const eosIn = await featureWriter(registry, producer, topic('eos-in'));
    await eosIn.produce(0, EOS_EVENTS, 'eos', PRODUCE_BATCH);
    const eosWorker = startWorker(workerEnv('eos', { EXACTLY_ONCE: 'true', TRANSACTIONAL_ID: `bench-eos-${run}` }));
    const eosDone = await waitForRecords(kafka, topic('eos-out'), EOS_EVENTS, 300_000);
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
      `ratio (c)/(a) at batch 256: ${fmt((workerRate / b256) * 100, 2)}% of the session.run ceiling; (c)/(a) at batch 1: ${fmt(workerRate / b1, 2)}x`,
    );
    console.log(`worker: ${fmt(workerRate)} predictions/s (target >= 25,000), peak RSS ${fmt(rss, 1)} MB (target < 300 MB)`);
    console.log(`machine load average (1 min) at the end: ${fmt(loadavg()[0]!, 1)} on ${cpus().length} cores (other processes share them)`);
    console.log(`exactly-once costs ${fmt((1 - eosRate / workerRate) * 100, 1)}% of the throughput`);
    console.log(
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
    if (ownDir) await stackDown(ownDir);
  }
}

await main();
