/**
 * Ingestion throughput on the dev stack: the Kafka input (events.raw -> events.valid) and the HTTP API
 * (POST /v1/events, batches of 100, driven by autocannon), measured in one run against one ingestion
 * process started like the dev stack starts it. Run from the repo root: `npm run bench:ingestion`.
 * Reuses the stack in TIDEWATER_STACK_DIR when one runs there, else starts its own (Apache Kafka, dev
 * registry, Redis) in a temporary directory and removes it at the end. Every service figure is read
 * from the service's own /metrics (events actually acknowledged by Kafka), not from what was sent.
 * Before the service starts, the bare kafkajs pipe (../kafka/bare-pipe.ts) reads the same backlog
 * with the service's partitions at once, 3 times: the Kafka input's events/s is printed as a ratio to
 * it, with the CPU split (service, Kafka) of each. Smaller runs: BENCH_KAFKA_EVENTS (per third),
 * BENCH_HTTP_SECONDS. Last line: one JSON object (kafka_events_per_s, http_events_per_s, http_p99_ms,
 * bare_pipe_msgs_per_s, ratio_kafka_bare_pipe, ...).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Kafka, logLevel } from 'kafkajs';
import { createStackTopics, freePort, runningStack, stackDown, stackEnv, stackUp } from '@tidewater/dev-stack';
import { Redis } from 'ioredis';
import { hashApiKey } from '@tidewater/ingestion';
import { repoRoot } from '@tidewater/schemas';
import { runBarePipe, type BarePipeResult } from '../kafka/bare-pipe.js';
import { formatCpuSplit, meterCpu, roundedShares } from '../kafka/process-cpu.js';
import { printBenchResult } from '../bench-results/record.js';

const KAFKA_ROUNDS = 3;
// One backlog of 3 x 50k raw events (~230 bytes each) over 6 partitions, timed by thirds: at 20,000
// events/s each third lasts a few seconds, many fetches (about 4,500 events each) long.
const KAFKA_EVENTS_PER_ROUND = Number(process.env['BENCH_KAFKA_EVENTS'] ?? 50_000);
const RAW_PARTITIONS = 6;
/** Upstream sends of this many events; on Apache Kafka they do not set the consumer's fetch sizes. */
const PRODUCE_BATCH = 1000;
const PIPE_ROUNDS = 3;
const HTTP_ROUNDS = 3;
const HTTP_ROUND_S = Number(process.env['BENCH_HTTP_SECONDS'] ?? 6);
const HTTP_CONNECTIONS = Number(process.env['BENCH_HTTP_CONNECTIONS'] ?? 16);
const BATCH = 100;
const API_KEY = `bench-${randomUUID()}`;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

let seq = 0;
function rawEvent(run: string): string {
  const i = seq++;
  return JSON.stringify({
    event_id: `${run}-${i}`,
    occurred_at: new Date(Date.now() - 60_000).toISOString(),
    card_id: `card-${i % 5000}`,
    amount: (i % 1000) / 7,
    currency: 'EUR',
    merchant_id: `m-${i % 97}`,
    merchant_category: '5411',
    country: 'DE',
    channel: i % 3 ? 'pos' : 'ecom',
  });
}

/** Sums a counter's series from Prometheus text whose labels include every given pair. */
function counter(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const reuseDir = process.env['TIDEWATER_STACK_DIR'];
  const reused = reuseDir ? runningStack(reuseDir) : undefined;
  const ownDir = reused ? undefined : mkdtempSync(join(tmpdir(), 'tw-bench-ingestion-'));
  const state = reused ?? (await stackUp({ dir: ownDir!, fresh: true }));
  let service: ChildProcess | undefined;
  const run = randomUUID().slice(0, 8);
  const keyPrefix = `tw:bench-ingestion:${run}:`;
  try {
    const env = stackEnv(state);
    const topics = { raw: `bench-raw-${run}`, valid: `bench-valid-${run}`, dlq: `bench-dlq-${run}`, pipe: `bench-pipe-${run}` };
    await createStackTopics(state.kafka, [
      { name: topics.raw, partitions: RAW_PARTITIONS },
      { name: topics.valid, partitions: 3 },
      { name: topics.dlq, partitions: 1 },
      { name: topics.pipe, partitions: 3 },
    ]);

    // Kafka input: all rounds produced up front (as a backlog an upstream left), consumed once the service starts.
    const kafka = new Kafka({ brokers: env['KAFKA_BROKERS']!.split(','), clientId: 'bench-ingestion', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const total = KAFKA_ROUNDS * KAFKA_EVENTS_PER_ROUND;
    for (let i = 0; i < total; i += PRODUCE_BATCH) {
      await producer.send({
        topic: topics.raw,
        messages: Array.from({ length: Math.min(PRODUCE_BATCH, total - i) }, () => {
          const value = rawEvent(`k${run}`);
          return { key: null, value };
        }),
      });
    }
    await producer.disconnect();
    console.log(`produced ${total} raw JSON events to ${topics.raw} (${RAW_PARTITIONS} partitions)`);

    // The bare pipe on the same backlog before the service starts (new groups; the service's group reads it afresh).
    const pipes: BarePipeResult[] = [];
    for (let r = 0; r < PIPE_ROUNDS; r++) {
      pipes.push(
        await runBarePipe({
          kafka,
          input: topics.raw,
          output: topics.pipe,
          records: total,
          groupId: `bench-pipe-${run}-${r}`,
          partitionsConsumedConcurrently: RAW_PARTITIONS,
          kafkaPids: state.kafka.pids,
        }),
      );
      console.log(
        `bare pipe round ${r + 1}: ${pipes[r]!.msgsPerS.toFixed(0)} msgs/s (${pipes[r]!.recordsPerBatch.toFixed(0)} per batch; CPU ${formatCpuSplit(pipes[r]!.cpu)})`,
      );
    }
    const pipeMedian = [...pipes].sort((a, b) => a.msgsPerS - b.msgsPerS)[Math.floor(PIPE_ROUNDS / 2)]!;

    const port = await freePort();
    // BENCH_SERVICE_NODE_ARGS passes flags to the service's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env['BENCH_SERVICE_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    service = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(repoRoot, 'services/ingestion/src/main.ts')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...env,
        HTTP_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        TOPIC_EVENTS_RAW: topics.raw,
        TOPIC_EVENTS_VALID: topics.valid,
        TOPIC_EVENTS_DLQ: topics.dlq,
        CONSUMER_GROUP: `bench-${run}`,
        REDIS_KEY_PREFIX: keyPrefix,
        API_KEYS: `bench:${hashApiKey(API_KEY)}`,
        RATE_LIMIT_PER_SECOND: '10000000',
        RATE_LIMIT_BURST: '10000000',
        CONSUMER_PARTITIONS_CONCURRENTLY: String(RAW_PARTITIONS),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    const metrics = async () => (await fetch(`${base}/metrics`)).text();
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/readyz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (i > 600 || service.exitCode !== null) throw new Error('ingestion did not become ready');
      await sleep(100);
    }

    // Rate of each third of the backlog, timed between metric samples every 50 ms.
    const kafkaRates: number[] = [];
    let last = { n: 0, t: performance.now() };
    let boundary = 0;
    const started = performance.now();
    // CPU of the service's process, Kafka's JVMs and Redis from the first acknowledged batch to the end of the backlog.
    let meter: ReturnType<typeof meterCpu> | undefined;
    while (boundary < KAFKA_ROUNDS) {
      await sleep(50);
      const text = await metrics();
      const n =
        counter(text, 'tw_ingest_accepted_total', { input: 'kafka' }) + counter(text, 'tw_ingest_duplicates_total', { input: 'kafka' });
      const t = performance.now();
      if (last.n === 0 && n > 0) {
        last = { n, t }; // the clock starts with the first acknowledged batch (group join excluded)
        // Redis (deduplication) when the stack runs its own; a shared one's pid is not known here.
        meter = meterCpu({ ingestion: [service.pid!], kafka: state.kafka.pids, ...(state.redis.pid ? { redis: [state.redis.pid] } : {}) });
      }
      while (boundary < KAFKA_ROUNDS && n >= (boundary + 1) * KAFKA_EVENTS_PER_ROUND) {
        kafkaRates.push((n - last.n) / ((t - last.t) / 1000));
        last = { n, t };
        boundary++;
      }
      if (t - started > 300_000) throw new Error(`Kafka input stalled at ${n}/${total}`);
    }
    const kafkaCpu = meter!.stop();
    const afterKafka = await metrics();
    const batches = counter(afterKafka, 'tw_kafka_batch_duration_seconds_count', { topic: topics.raw });
    const kafkaBatchSize = total / batches;
    console.log(
      `kafka input: ${total} events in ${batches} fetched batches (${kafkaBatchSize.toFixed(0)} per batch); ` +
        `per-round events/s ${kafkaRates.map((r) => r.toFixed(0)).join(', ')}; CPU ${formatCpuSplit(kafkaCpu)} of one core`,
    );

    // HTTP: distinct events in every request, so each one is validated, deduplicated and published.
    const httpRates: number[] = [];
    const p99s: number[] = [];
    const p50s: number[] = [];
    for (let r = 0; r < HTTP_ROUNDS; r++) {
      const before = counter(await metrics(), 'tw_ingest_accepted_total', { input: 'http' });
      const result = await autocannon({
        url: `${base}/v1/events`,
        method: 'POST',
        connections: HTTP_CONNECTIONS,
        duration: HTTP_ROUND_S,
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              body: `[${Array.from({ length: BATCH }, () => rawEvent(`h${run}`)).join(',')}]`,
            }),
          },
        ],
      });
      const accepted = counter(await metrics(), 'tw_ingest_accepted_total', { input: 'http' }) - before;
      const non2xx = result.non2xx;
      // Events in 2xx answers within the measured duration; every one of them was acknowledged by Kafka
      // (the service's accepted counter, read after, must hold at least as many).
      const answered = result['2xx'] * BATCH;
      if (accepted < answered) throw new Error(`service counted ${accepted} accepted events but answered 2xx for ${answered}`);
      const rate = answered / result.duration;
      httpRates.push(rate);
      p99s.push(result.latency.p99);
      p50s.push(result.latency.p50);
      console.log(
        `http round ${r + 1}: ${result.requests.total} requests in ${result.duration.toFixed(1)} s (${non2xx} non-2xx, ` +
          `${result.errors} errors), ${answered} events answered 2xx (${accepted} counted accepted), ${rate.toFixed(0)} events/s, ` +
          `latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms`,
      );
    }

    const kafkaEps = median(kafkaRates);
    const httpEps = median(httpRates);
    const p99 = median(p99s);
    const pipeEps = pipeMedian.msgsPerS;
    console.log('');
    console.log('| input | median events/s | target | ratio to target | ratio to bare pipe | latency | CPU, share of one core |');
    console.log('| ----- | --------------- | ------ | --------------- | ------------------ | ------- | ---------------------- |');
    console.log(
      `| kafka (events.raw, JSON) | ${kafkaEps.toFixed(0)} | 20000 | ${(kafkaEps / 20_000).toFixed(2)} | ${(kafkaEps / pipeEps).toFixed(2)} | — | ${formatCpuSplit(kafkaCpu)} |`,
    );
    console.log(
      `| bare kafkajs pipe, same backlog (${RAW_PARTITIONS} partitions at once) | ${pipeEps.toFixed(0)} | — | — | 1.00 | — | ${formatCpuSplit(pipeMedian.cpu)} |`,
    );
    console.log(
      `| http (batches of ${BATCH}, ${HTTP_CONNECTIONS} connections) | ${httpEps.toFixed(0)} | 10000 | ${(httpEps / 10_000).toFixed(2)} | — | p50 ${median(p50s)} ms, p99 ${p99} ms | — |`,
    );
    console.log(
      `kafka/http ratio: ${(kafkaEps / httpEps).toFixed(2)}; machine: ${cpus().length} cores, shared with the dev stack and autocannon; load average (1 min) ${loadavg()[0]!.toFixed(1)}`,
    );
    printBenchResult(
      JSON.stringify({
        bench: 'ingestion',
        kafka_events_per_s: Math.round(kafkaEps),
        http_events_per_s: Math.round(httpEps),
        http_p99_ms: p99,
        http_p50_ms: median(p50s),
        http_batch: BATCH,
        http_connections: HTTP_CONNECTIONS,
        kafka_rounds: kafkaRates.map(Math.round),
        kafka_records_per_fetch: Math.round(kafkaBatchSize),
        http_rounds: httpRates.map(Math.round),
        target_kafka_events_per_s: 20_000,
        target_http_events_per_s: 10_000,
        bare_pipe_msgs_per_s: Math.round(pipeEps),
        bare_pipe_rounds: pipes.map((x) => Math.round(x.msgsPerS)),
        ratio_kafka_bare_pipe: Math.round((kafkaEps / pipeEps) * 1000) / 1000,
        kafka_cpu_shares: roundedShares(kafkaCpu),
        bare_pipe_cpu_shares: roundedShares(pipeMedian.cpu),
        load_average_1m: Math.round(loadavg()[0]! * 10) / 10,
      }),
    );
  } finally {
    if (service && service.exitCode === null) {
      service.kill('SIGTERM');
      await new Promise((resolve) => service!.once('exit', resolve));
    }
    // Hundreds of thousands of dedupe keys with a day's TTL would otherwise stay in a shared Redis.
    await deleteKeys(state.redis.url, keyPrefix);
    if (ownDir) {
      await stackDown(ownDir);
      rmSync(ownDir, { recursive: true, force: true });
    }
  }
}

await main();
