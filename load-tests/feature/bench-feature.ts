/**
 * Throughput of the feature service on the dev stack, next to a Redis ceiling measured in the same run.
 * Run from the repo root: `npm run bench:feature`. Reuses the stack in TIDEWATER_STACK_DIR when
 * one runs there, else starts a private one. Prints a table; the last line is one JSON object.
 *
 * (a) Ceilings, the same work without Kafka, Avro or feature evaluation: the card-fraud window
 *     state alone for the same events, in batches of the size the service fetched (per batch one
 *     MGET of the entities' states, the events applied in Node, one compare-and-set script writing
 *     back the changed ones), then a bare pipelined HINCRBY run with one command per event, for
 *     Redis's own command rate on this machine.
 * (b) The service: `createApp` in this process on a backlog of BENCH_EVENTS events on a
 *     6-partition topic, from the first batch's start to the last batch's end; per-batch latency
 *     is fetch-to-acknowledged-by-Kafka for one batch (window update, online store, encode, produce).
 *     PARTITIONS_CONCURRENTLY in the environment overrides the service's default (6). The service's
 *     consumer fetches at most BENCH_FETCH_MAX_BYTES_PER_PARTITION (default 0: kafkajs's 1 MiB, as
 *     the service runs; see fetch-cap.ts). Where the time goes: this
 *     process's CPU time (the service's Node side), Redis's (INFO cpu; the Redis may serve others
 *     too) and Kafka's JVM (/proc), from the first batch's end to the last's, as shares of one core.
 *     BENCH_INSTANCES=N (default 1) runs N instances in one consumer group instead, in worker
 *     threads (bench-feature-worker.ts), joined before the backlog is written so no rebalance falls
 *     inside the measured run.
 * (b') The bare kafkajs pipe (../kafka/bare-pipe.ts) on the same topic and broker after the
 *     service's run, with the service's fetch size and partitions at once, median of 3 rounds: what
 *     consuming and producing these records costs with nothing of the service in it. The service's
 *     events/s is printed as a ratio to it.
 * (c) The serving API over real HTTP on the online store the run filled: GET, then batchGet of
 *     BATCH_GET_SIZE ids, each with 10 connections and with 1, 5 s each. The load generator (autocannon, serving-load.ts) runs in a
 *     child process: on the server's event loop its own work would be counted as the server's latency.
 *     Then both at 10 connections from wrk (serving-load.lua), when installed: a C load generator
 *     that takes less of the machine's two cores from the server and reports microseconds; and the
 *     batchGet load once more on a route that answers a recorded response (floorServer): the floor
 *     that HTTP, the kernel and the load generator leave on this machine. The p99 target's verdict
 *     is wrk's where wrk is installed, autocannon's next to it for comparison.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createStackTopics, runningStack, stackDown, stackEnv, stackUp } from '@tidewater/dev-stack';
import { createApp, createWindowState, featureConfigSchema, samplePaymentEvents } from '@tidewater/feature';
import { defaultFeatureSetPath, loadFeatureSet } from '@tidewater/feature-set';
import { createDeadLetterWriter, createKafkaClient, createProducer } from '@tidewater/kafka';
import { createMetricsRegistry } from '@tidewater/ops-server';
import { avroTopicWriter } from '@tidewater/service-runtime';
import { barePipeClient, runBarePipe } from '../kafka/bare-pipe.js';
import { formatCpuSplit, processCpuSeconds, roundedShares } from '../kafka/process-cpu.js';
import type { BenchWorkerInput, BenchWorkerMessage } from './bench-feature-worker.js';
import { featureFetchMaxBytes, fetchCap } from './fetch-cap.js';
import type { ServingLoadInput, ServingLoadResult } from './serving-load.js';
import { printBenchResult } from '../bench-results/record.js';

const execFileAsync = promisify(execFile);

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 60_000);
const CARDS = Number(process.env['BENCH_CARDS'] ?? 5_000);
/** Service instances in the consumer group; beyond 1 they run in worker threads (bench-feature-worker.ts). */
const INSTANCES = Number(process.env['BENCH_INSTANCES'] ?? 1);
/** Entities per POST /v1/features:batchGet request in part (c). */
const BATCH_GET_SIZE = 10;
/** Runs of the bare pipe on the service's input topic, after the service's run. */
const PIPE_ROUNDS = 3;
// BENCH_LOG_LEVEL=warn shows what the service logs (it runs in this process); silent by default.
const logger = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'silent' });

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const percentile = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * The same closed-loop load from wrk (serving-load.lua): a C load generator with one thread, which
 * leaves the server most of the CPU that autocannon (Node) takes on this 2-core machine, and
 * reports latency in microseconds rather than whole milliseconds.
 */
async function servingLoadWrk(input: ServingLoadInput): Promise<MeasuredLoad> {
  const script = new URL('./serving-load.lua', import.meta.url).pathname;
  const { value: stdout, serverCpuShare } = await withServerCpu(input.durationS, async () => {
    const { stdout } = await execFileAsync('wrk', ['-t1', `-c${input.connections}`, `-d${input.durationS}s`, '-s', script, input.url], {
      env: { ...process.env, SERVING_MODE: input.mode, SERVING_CARDS: String(input.cards), SERVING_BATCH: String(input.batchSize ?? 10) },
      maxBuffer: 1 << 20,
    });
    return stdout;
  });
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  return {
    reqPerS: r['requests']! / (r['durationUs']! / 1e6),
    p50: r['p50Us']! / 1000,
    p99: r['p99Us']! / 1000,
    max: r['maxUs']! / 1000,
    non2xx: r['non2xx']!,
    errors: r['errors']!,
    serverCpuShare,
  };
}

/** Whether wrk is installed (`apt-get install wrk`; `.ci/run` installs it). Without it part (c) says so and reports autocannon only. */
function wrkInstalled(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

/** A load's result and this process's (the server's) CPU while it ran, as a share of one core. */
type MeasuredLoad = ServingLoadResult & { serverCpuShare: number };

/**
 * Runs `load` and measures this process's CPU meanwhile, over the load's duration (a load
 * generator's start-up leaves the server idle): near 100% means the server was the limit, well
 * under it that the load generator was.
 */
async function withServerCpu<T>(durationS: number, load: () => Promise<T>): Promise<{ value: T; serverCpuShare: number }> {
  const cpu = process.cpuUsage();
  const value = await load();
  const used = process.cpuUsage(cpu);
  return { value, serverCpuShare: (used.user + used.system) / 1e6 / durationS };
}

/**
 * The floor under part (c) on this machine: a second server in this process whose route answers a
 * response recorded from the real one (same bytes, a string), with no Redis, Avro decoding or
 * JSON rendering. Loaded like the real one, what is left is Fastify, Node's HTTP, the kernel and
 * the load generator sharing the two cores: the server's own work is the difference.
 */
async function floorServer(realUrl: string): Promise<{ url: string; bytes: number; close: () => Promise<void> }> {
  const entities = Array.from({ length: BATCH_GET_SIZE }, (_, i) => `card-${i}`);
  const recorded = await fetch(`${realUrl}/v1/features:batchGet`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ entities }),
  });
  if (!recorded.ok) throw new Error(`recording the floor's response: batchGet answered ${recorded.status}`);
  const body = await recorded.text();
  const floor = Fastify();
  floor.post('/v1/features::batchGet', (_req, reply) => {
    void reply.type('application/json; charset=utf-8').send(body);
  });
  await floor.listen({ host: '127.0.0.1', port: 0 });
  const address = floor.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, bytes: Buffer.byteLength(body), close: () => floor.close() };
}

/** Runs serving-load.ts in a child process (its own CPU and event loop) and returns its result line. */
async function servingLoad(input: ServingLoadInput): Promise<MeasuredLoad> {
  const script = new URL('./serving-load.ts', import.meta.url).pathname;
  const { value: stdout, serverCpuShare } = await withServerCpu(input.durationS, async () => {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script, JSON.stringify(input)], {
      maxBuffer: 1 << 20,
    });
    return stdout;
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as ServingLoadResult;
  return { ...result, serverCpuShare };
}

async function main(): Promise<void> {
  const reuseDir = process.env['TIDEWATER_STACK_DIR'];
  const reused = reuseDir ? runningStack(reuseDir) : undefined;
  const ownDir = reused ? undefined : mkdtempSync(join(tmpdir(), 'tw-bench-feature-'));
  const state = reused ?? (await stackUp({ dir: ownDir!, fresh: true }));
  const env = stackEnv(state);
  const run = Date.now().toString(36);
  const prefix = `tw-bench:feature:${run}:`;
  const redis = new Redis(env['REDIS_URL']!);
  try {
    const featureSet = loadFeatureSet(defaultFeatureSetPath);
    const events = samplePaymentEvents(EVENTS, { seed: 42, cards: CARDS, prefix: `bench-${run}`, spanMs: 7 * 86_400_000 });
    console.log(
      `feature set ${featureSet.name} ${featureSet.version}: ${featureSet.outputNames.length} features over ${featureSet.windows.length} windows ` +
        `(${featureSet.windows.map((w) => `${w.name}/${w.buckets} buckets`).join(', ')}); ${fmt(EVENTS)} events, ${fmt(CARDS)} cards`,
    );
    // The service runs in this process: its V8 flags are this process's (the deployments' NODE_OPTIONS).
    console.log(
      `node flags: ${[...process.execArgv.filter((a) => a.startsWith('--max-')), process.env['NODE_OPTIONS'] ?? ''].join(' ').trim() || 'none'}`,
    );

    // (b) first, so (a) can use the batch sizes the service actually saw.
    const topic = (name: string) => `bench-feat-${run}-${name}`;
    await createStackTopics(state.kafka, [
      { name: topic('events'), partitions: 6 },
      { name: topic('features'), partitions: 6 },
      { name: topic('dlq'), partitions: 1 },
      { name: topic('pipe'), partitions: 6 },
    ]);
    const kafka = createKafkaClient({
      brokers: env['KAFKA_BROKERS']!.split(','),
      clientId: 'bench-feature',
      logger,
      ...fetchCap(featureFetchMaxBytes),
    });
    const registry = new SchemaRegistryClient({ baseURLs: [env['SCHEMA_REGISTRY_URL']!] });
    const producer = createProducer({ kafka, logger });
    await producer.start();
    const batches: { events: number; ms: number; end: number }[] = [];
    let firstStart = Infinity;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let processed = 0;
    const config = featureConfigSchema.parse({
      KAFKA_BROKERS: env['KAFKA_BROKERS'],
      SCHEMA_REGISTRY_URL: env['SCHEMA_REGISTRY_URL'],
      REDIS_URL: env['REDIS_URL'],
      REDIS_KEY_PREFIX: `${prefix}svc:`,
      TOPIC_EVENTS_VALID: topic('events'),
      TOPIC_FEATURES: topic('features'),
      TOPIC_EVENTS_DLQ: topic('dlq'),
      CONSUMER_GROUP: `bench-feature-${run}`,
      PARTITIONS_CONCURRENTLY: process.env['PARTITIONS_CONCURRENTLY'],
    });
    const redisCpu = async () => {
      const info = await redis.info('cpu');
      const field = (name: string) => Number(new RegExp(`\\b${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
      return field('used_cpu_user') + field('used_cpu_sys');
    };
    // Kafka's JVMs belong to the stack: their CPU seconds from /proc.
    const kafkaCpu = () => processCpuSeconds(state.kafka.pids);
    // CPU is counted from the end of the first batch (after start-up and the group join) to the end of the last.
    let phase: { t: number; node: NodeJS.CpuUsage; kafka: number; redis: Promise<number> } | undefined;
    const onBatch = (n: number, ms: number, end: number) => {
      firstStart = Math.min(firstStart, end - ms);
      batches.push({ events: n, ms, end });
      phase ??= { t: end, node: process.cpuUsage(), kafka: kafkaCpu(), redis: redisCpu() };
      processed += n;
      if (processed >= EVENTS) done();
    };
    const writer = await avroTopicWriter(registry, topic('events'), 'paymentEvent', true);
    const produceBacklog = async () => {
      for (let i = 0; i < events.length; i += 1000) {
        await producer.send(
          topic('events'),
          events.slice(i, i + 1000).map((e) => ({ key: writer.key.encode(e.card_id), value: writer.value.encode(e) })),
        );
      }
    };
    const workerModule = new URL('./bench-feature-worker.ts', import.meta.url).href;
    // With one instance (the default) it runs in this thread on a backlog written beforehand; with more,
    // this thread's app only serves part (c) and the instances are workers (process CPU counts them all).
    const workers = Array.from(
      { length: INSTANCES > 1 ? INSTANCES : 0 },
      (_, index) =>
        // Workers do not inherit tsx's loader: the bootstrap registers it, then imports the worker module.
        new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(workerModule)}); });`, {
          eval: true,
          workerData: {
            index,
            brokers: env['KAFKA_BROKERS']!.split(','),
            registryUrl: env['SCHEMA_REGISTRY_URL']!,
            redisUrl: env['REDIS_URL']!,
            config,
          } satisfies BenchWorkerInput,
        }),
    );
    const workerSaid = (kind: BenchWorkerMessage['kind']) =>
      Promise.all(
        workers.map((w) => new Promise<void>((resolve) => w.on('message', (m: BenchWorkerMessage) => m.kind === kind && resolve()))),
      );
    for (const w of workers)
      w.on('message', (m: BenchWorkerMessage) => m.kind === 'batch' && onBatch(m.events, m.ms, m.endEpochMs - performance.timeOrigin));
    if (INSTANCES > 1) {
      await workerSaid('assigned');
      await sleep(3000); // the last join's rebalance settles
    } else {
      await produceBacklog();
    }
    const metrics = createMetricsRegistry('feature');
    const http = Fastify();
    const app = await createApp({
      http,
      kafka,
      logger,
      metrics,
      producer,
      schemaRegistry: registry,
      deadLetterWriter: (t) => createDeadLetterWriter({ producer, topic: t, service: 'feature', registry: metrics }),
      redis,
      config,
      featureSet,
      onBatch: (n, ms) => onBatch(n, ms, performance.now()),
    });
    if (INSTANCES > 1) {
      // The others joined the group before the backlog was written, so no rebalance falls inside the measured run.
      await produceBacklog();
      console.log(`${INSTANCES} service instances in worker threads; the backlog was written once all were in the group`);
    } else {
      await app.start();
    }
    // The deadline's timer is cleared once the run finished, or it would keep the process alive for its 300 s.
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise(
        (_, reject) =>
          (deadline = setTimeout(
            () => reject(new Error(`service did not finish in 300 s: ${processed} of ${EVENTS} events (BENCH_LOG_LEVEL=warn shows why)`)),
            300_000,
          )),
      ),
    ]).finally(() => clearTimeout(deadline));
    const wallSeconds = (performance.now() - phase!.t) / 1000;
    const nodeCpu = process.cpuUsage(phase!.node);
    const nodeShare = (nodeCpu.user + nodeCpu.system) / 1e6 / wallSeconds;
    const kafkaShare = (kafkaCpu() - phase!.kafka) / wallSeconds;
    const redisShare = ((await redisCpu()) - (await phase!.redis)) / wallSeconds;
    const closed = workerSaid('closed');
    for (const w of workers) w.postMessage('close');
    await closed;
    await Promise.all(workers.map((w) => w.terminate()));
    await app.close();
    await producer.close();
    const serviceSeconds = (Math.max(...batches.map((b) => b.end)) - firstStart) / 1000;
    const eventsPerS = EVENTS / serviceSeconds;
    const batchMs = batches.map((b) => b.ms);
    const sizes = batches.map((b) => b.events);
    const p99 = percentile(batchMs, 99);

    // (b') The bare pipe on the same backlog, read again by new groups, with the service's fetch size and concurrency.
    const pipes = [];
    for (let r = 0; r < PIPE_ROUNDS; r++) {
      pipes.push(
        await runBarePipe({
          // The same fetch cap as the service's consumer (fetch-cap.ts).
          kafka: barePipeClient(env['KAFKA_BROKERS']!.split(','), 'bench-feature-pipe'),
          ...(featureFetchMaxBytes > 0 ? { consumer: { maxBytesPerPartition: featureFetchMaxBytes } } : {}),
          input: topic('events'),
          output: topic('pipe'),
          records: EVENTS,
          groupId: `bench-feature-pipe-${run}-${r}`,
          partitionsConsumedConcurrently: config.PARTITIONS_CONCURRENTLY,
          kafkaPids: state.kafka.pids,
        }),
      );
    }
    const byRate = [...pipes].sort((a, b) => a.msgsPerS - b.msgsPerS);
    const pipeMedian = byRate[Math.floor(byRate.length / 2)]!;
    const pipe = pipeMedian.msgsPerS;

    // (a) Redis ceilings with the same events in the same batch sizes.
    const medianSize = Math.max(1, percentile(sizes, 50));
    const bare = createWindowState(redis, featureSet, `${prefix}bare:`);
    let t = performance.now();
    for (let i = 0; i < events.length; i += medianSize) await bare.applyBatch(events.slice(i, i + medianSize));
    const scriptPerS = EVENTS / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let i = 0; i < events.length; i += medianSize) {
      const p = redis.pipeline();
      for (const e of events.slice(i, i + medianSize)) p.hincrby(`${prefix}raw:{${e.card_id}}`, 'n', 1);
      await p.exec();
    }
    const rawPerS = EVENTS / ((performance.now() - t) / 1000);

    // (c) The online store over HTTP, loaded from a child process (serving-load.ts): a load generator
    // on the server's own event loop would add its CPU to every latency it measures.
    await http.listen({ host: '127.0.0.1', port: 0 });
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const load = (connections: number, mode: ServingLoadInput['mode']) =>
      servingLoad({ url: `http://127.0.0.1:${port}`, connections, durationS: 5, cards: CARDS, mode, batchSize: BATCH_GET_SIZE });
    const serving = await load(10, 'get');
    const single = await load(1, 'get');
    const batchGet = await load(10, 'batch');
    const batchSingle = await load(1, 'batch');
    const wrkLoad = (mode: ServingLoadInput['mode'], url = `http://127.0.0.1:${port}`) =>
      servingLoadWrk({ url, connections: 10, durationS: 5, cards: CARDS, mode, batchSize: BATCH_GET_SIZE });
    const hasWrk = wrkInstalled();
    const wrkGet = hasWrk ? await wrkLoad('get') : undefined;
    const wrkBatch = hasWrk ? await wrkLoad('batch') : undefined;
    const floor = hasWrk ? await floorServer(`http://127.0.0.1:${port}`) : undefined;
    const wrkFloor = floor ? await wrkLoad('batch', floor.url).finally(floor.close) : undefined;
    await http.close();

    console.log('');
    console.log('(a) Ceilings, same events, in batches of the median service batch');
    console.log(`    window state alone (MGET, Node, CAS script):   ${fmt(scriptPerS).padStart(10)} events/s`);
    console.log(`    Redis: bare pipelined HINCRBY, 1 per event:     ${fmt(rawPerS).padStart(10)} ops/s`);
    console.log('(b) feature service (Kafka in, Avro, Redis state + online store, features, Kafka out)');
    console.log(
      `    throughput:                                     ${fmt(eventsPerS).padStart(10)} events/s  (${fmt(serviceSeconds, 2)} s)`,
    );
    console.log(
      `    batches: ${batches.length}, size median ${fmt(medianSize)}; latency median ${fmt(percentile(batchMs, 50), 1)} ms, p99 ${fmt(p99, 1)} ms`,
    );
    console.log(
      `    CPU from the first batch's end to the last's (${fmt(wallSeconds, 2)} s): this process (the service) ${fmt(100 * nodeShare)}%, Redis ${fmt(100 * redisShare)}%, Kafka (JVM) ${fmt(100 * kafkaShare)}% of one core`,
    );
    console.log(
      `    fetch: at most ${featureFetchMaxBytes > 0 ? `${fmt(featureFetchMaxBytes)} bytes` : "kafkajs's 1 MiB"} per partition (fetch-cap.ts), ${config.PARTITIONS_CONCURRENTLY} partitions at once`,
    );
    console.log("(b') bare kafkajs pipe, same topic, fetch size and partitions at once (consume -> produce, acks=all, nothing decoded)");
    console.log(
      `    throughput:                                     ${fmt(pipe).padStart(10)} msgs/s  (rounds ${pipes.map((x) => fmt(x.msgsPerS)).join(', ')}; ${fmt(pipeMedian.recordsPerBatch)} per batch)`,
    );
    console.log(`    CPU (median round): ${formatCpuSplit(pipeMedian.cpu)} of one core`);
    console.log(`    service / bare pipe: ${fmt(eventsPerS / pipe, 2)}`);
    console.log(
      `    service / window-state ceiling: ${fmt(eventsPerS / scriptPerS, 2)}; target 15,000 events/s: ${eventsPerS >= 15_000 ? 'met' : 'NOT met'}`,
    );
    // autocannon's latencies are whole milliseconds, wrk's microseconds: printed with the digits each has.
    const line = (r: MeasuredLoad, digits = 0) =>
      `${fmt(r.reqPerS).padStart(6)} req/s, latency p50 ${fmt(r.p50, digits)} ms, p99 ${fmt(r.p99, digits)} ms, max ${fmt(r.max, Math.min(digits, 1))} ms, non-2xx ${r.non2xx}, errors ${r.errors}; server CPU ${fmt(100 * r.serverCpuShare)}%`;
    console.log("(c) serving over HTTP, 5 s each, random cards of the run; autocannon in a child process (not on the server's event loop)");
    console.log(`    GET /v1/features/{entity}, 10 connections:            ${line(serving)}`);
    console.log(`    GET /v1/features/{entity}, 1 connection:              ${line(single)}`);
    console.log(`    POST /v1/features:batchGet (${BATCH_GET_SIZE} ids), 10 connections: ${line(batchGet)}`);
    console.log(`    POST /v1/features:batchGet (${BATCH_GET_SIZE} ids), 1 connection:   ${line(batchSingle)}`);
    const verdict = (p99: number) => `${p99 < 5 ? 'met' : 'NOT met'} (p99 ${fmt(p99, 2)} ms)`;
    // Read from wrk where it runs: autocannon's Node process takes about 0.45 of the two cores from
    // the server it measures, and rounds to whole milliseconds (docs/benchmarks/feature.md).
    const autocannonVerdicts = `GET ${verdict(serving.p99)}, batchGet ${verdict(batchGet.p99)}`;
    let verdicts = `autocannon ${autocannonVerdicts}`;
    if (wrkGet && wrkBatch && wrkFloor && floor) {
      console.log('    the same at 10 connections from wrk (C, one thread: less of the 2 cores taken from the server):');
      console.log(`    GET /v1/features/{entity}, 10 connections:            ${line(wrkGet, 2)}`);
      console.log(`    POST /v1/features:batchGet (${BATCH_GET_SIZE} ids), 10 connections: ${line(wrkBatch, 2)}`);
      console.log(
        `    floor, the batchGet load on a route answering a recorded response (${fmt(floor.bytes)} bytes; no Redis, Avro or JSON rendering):`,
      );
      console.log(`                                                          ${line(wrkFloor, 2)}`);
      verdicts = `wrk GET ${verdict(wrkGet.p99)}, batchGet ${verdict(wrkBatch.p99)} (floor p99 ${fmt(wrkFloor.p99, 2)} ms); autocannon, for comparison: ${autocannonVerdicts}`;
    } else console.log('    wrk is not installed (apt-get install wrk): its runs are left out');
    console.log(`    target p99 under 5 ms at 10 connections: ${verdicts}`);
    printBenchResult(
      JSON.stringify({
        bench: 'feature',
        events: EVENTS,
        events_per_s: Math.round(eventsPerS),
        p99_batch_ms: Number(p99.toFixed(2)),
        median_batch_ms: Number(percentile(batchMs, 50).toFixed(2)),
        median_batch_size: medianSize,
        redis_ceiling_ops_per_s: Math.round(rawPerS),
        window_state_events_per_s: Math.round(scriptPerS),
        service_cpu_share: Number(nodeShare.toFixed(2)),
        redis_cpu_share: Number(redisShare.toFixed(2)),
        kafka_cpu_share: Number(kafkaShare.toFixed(2)),
        bare_pipe_msgs_per_s: Math.round(pipe),
        bare_pipe_rounds: pipes.map((x) => Math.round(x.msgsPerS)),
        ratio_service_bare_pipe: Number((eventsPerS / pipe).toFixed(3)),
        bare_pipe_cpu_shares: roundedShares(pipeMedian.cpu),
        bare_pipe_records_per_batch: Math.round(pipeMedian.recordsPerBatch),
        fetch_max_bytes_per_partition: featureFetchMaxBytes,
        serving_get_p99_ms: serving.p99,
        serving_get_req_per_s: Math.round(serving.reqPerS),
        serving_get_p99_ms_1conn: single.p99,
        serving_batch_get_p99_ms: batchGet.p99,
        serving_batch_get_req_per_s: Math.round(batchGet.reqPerS),
        serving_batch_get_p99_ms_1conn: batchSingle.p99,
        serving_batch_get_size: BATCH_GET_SIZE,
        serving_load_generator: 'autocannon, child process',
        serving_wrk_get_p99_ms: wrkGet ? Number(wrkGet.p99.toFixed(2)) : null,
        serving_wrk_get_req_per_s: wrkGet ? Math.round(wrkGet.reqPerS) : null,
        serving_wrk_batch_get_p99_ms: wrkBatch ? Number(wrkBatch.p99.toFixed(2)) : null,
        serving_wrk_batch_get_req_per_s: wrkBatch ? Math.round(wrkBatch.reqPerS) : null,
        serving_wrk_floor_batch_get_p99_ms: wrkFloor ? Number(wrkFloor.p99.toFixed(2)) : null,
        serving_wrk_floor_batch_get_req_per_s: wrkFloor ? Math.round(wrkFloor.reqPerS) : null,
        instances: INSTANCES,
        partitions_concurrently: config.PARTITIONS_CONCURRENTLY,
        node_options: process.env['NODE_OPTIONS'] ?? '',
        features: featureSet.outputNames.length,
        windows: featureSet.windows.length,
      }),
    );
  } finally {
    await deleteKeys(redis, prefix);
    await redis.quit();
    if (ownDir) {
      await stackDown(ownDir);
      rmSync(ownDir, { recursive: true, force: true });
    }
  }
}

await main();
