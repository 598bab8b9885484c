/**
 * Ingestion throughput on the dev stack: the Kafka input (events.raw -> events.valid) and the HTTP API
 * (POST /v1/events, batches of 100, driven by autocannon), measured in one run against one ingestion
 * process started like the dev stack starts it. Run from the repo root: `npm run bench:ingestion`.
 * Starts its own infrastructure (mock Kafka cluster, dev registry, Redis) in BENCH_STACK_DIR
 * (default /tmp/tidewater-bench-ingestion) and stops it at the end. Every figure is read from the
 * service's own /metrics (events actually acknowledged by Kafka), not from what was sent.
 * Last line: one JSON object with bench, kafka_events_per_s, http_events_per_s, http_p99_ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Kafka, logLevel } from 'kafkajs';
import { createStackTopics, freePort, stackDown, stackEnv, stackUp } from '@tidewater/dev-stack';
import { Redis } from 'ioredis';
import { hashApiKey } from '@tidewater/ingestion';
import { repoRoot } from '@tidewater/schemas';

const KAFKA_ROUNDS = 3;
// The mock cluster drops a partition's oldest records past about 5 MB (librdkafka's mock log limit), so
// the backlog stays small per partition: 60k events of ~230 bytes over 6 partitions.
const KAFKA_EVENTS_PER_ROUND = Number(process.env['BENCH_KAFKA_EVENTS'] ?? 20_000);
const RAW_PARTITIONS = 6;
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
  const dir = process.env['BENCH_STACK_DIR'] ?? '/tmp/tidewater-bench-ingestion';
  await stackDown(dir);
  const state = await stackUp({ dir, fresh: true });
  let service: ChildProcess | undefined;
  const run = randomUUID().slice(0, 8);
  const keyPrefix = `tw:bench-ingestion:${run}:`;
  try {
    const env = stackEnv(state);
    const topics = { raw: `bench-raw-${run}`, valid: `bench-valid-${run}`, dlq: `bench-dlq-${run}` };
    await createStackTopics(state.kafka, [
      { name: topics.raw, partitions: RAW_PARTITIONS },
      { name: topics.valid, partitions: 3 },
      { name: topics.dlq, partitions: 1 },
    ]);

    // Kafka input: all rounds produced up front (as a backlog an upstream left), consumed once the service starts.
    const kafka = new Kafka({ brokers: env['KAFKA_BROKERS']!.split(','), clientId: 'bench-ingestion', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const total = KAFKA_ROUNDS * KAFKA_EVENTS_PER_ROUND;
    // The mock cluster answers a fetch with one record batch per partition, where real Kafka fills up to
    // max.partition.fetch.bytes; sends of 1000 records per partition give fetches of the size real Kafka would
    // for a backlog. BENCH_RECORDS_PER_PARTITION_SEND=167 shows what small upstream batches cost on the mock.
    const perSend = Number(process.env['BENCH_RECORDS_PER_PARTITION_SEND'] ?? 1000) * RAW_PARTITIONS;
    for (let i = 0; i < total; i += perSend) {
      await producer.send({
        topic: topics.raw,
        messages: Array.from({ length: Math.min(perSend, total - i) }, () => {
          const value = rawEvent(`k${run}`);
          return { key: null, value };
        }),
      });
    }
    await producer.disconnect();
    console.log(`produced ${total} raw JSON events to ${topics.raw} (${RAW_PARTITIONS} partitions)`);

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
    while (boundary < KAFKA_ROUNDS) {
      await sleep(50);
      const text = await metrics();
      const n =
        counter(text, 'tw_ingest_accepted_total', { input: 'kafka' }) + counter(text, 'tw_ingest_duplicates_total', { input: 'kafka' });
      const t = performance.now();
      if (last.n === 0 && n > 0) last = { n, t }; // the clock starts with the first acknowledged batch (group join excluded)
      while (boundary < KAFKA_ROUNDS && n >= (boundary + 1) * KAFKA_EVENTS_PER_ROUND) {
        kafkaRates.push((n - last.n) / ((t - last.t) / 1000));
        last = { n, t };
        boundary++;
      }
      if (t - started > 300_000) throw new Error(`Kafka input stalled at ${n}/${total}`);
    }
    const afterKafka = await metrics();
    const batches = counter(afterKafka, 'tw_kafka_batch_duration_seconds_count', { topic: topics.raw });
    const kafkaBatchSize = total / batches;
    console.log(
      `kafka input: ${total} events in ${batches} fetched batches (${kafkaBatchSize.toFixed(0)} per batch); ` +
        `per-round events/s ${kafkaRates.map((r) => r.toFixed(0)).join(', ')}`,
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
    console.log('');
    console.log('| input | median events/s | target | ratio to target | latency |');
    console.log('| ----- | --------------- | ------ | --------------- | ------- |');
    console.log(`| kafka (events.raw, JSON) | ${kafkaEps.toFixed(0)} | 20000 | ${(kafkaEps / 20_000).toFixed(2)} | — |`);
    console.log(
      `| http (batches of ${BATCH}, ${HTTP_CONNECTIONS} connections) | ${httpEps.toFixed(0)} | 10000 | ${(httpEps / 10_000).toFixed(2)} | p50 ${median(p50s)} ms, p99 ${p99} ms |`,
    );
    console.log(
      `kafka/http ratio: ${(kafkaEps / httpEps).toFixed(2)}; machine: ${(await import('node:os')).cpus().length} cores, shared with the dev stack and autocannon`,
    );
    console.log(
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
      }),
    );
  } finally {
    if (service && service.exitCode === null) {
      service.kill('SIGTERM');
      await new Promise((resolve) => service!.once('exit', resolve));
    }
    // Hundreds of thousands of dedupe keys with a day's TTL would otherwise stay in a shared Redis.
    await deleteKeys(state.redis.url, keyPrefix);
    await stackDown(dir);
  }
}

await main();
