/**
 * bench:kafka's client comparison (issue 19, part 3): pristine kafkajs 2.2.4, our patched kafkajs and
 * @platformatic/kafka, side by side on one Apache Kafka broker in one run. Every variant runs in
 * processes of its own (client-hooks.ts preloaded: BENCH_KAFKAJS picks the kafkajs build, KAFKA_CLIENT
 * the library behind @tidewater/kafka), one variant at a time, in rounds whose order rotates; figures
 * are medians of the rounds, with ratios to patched kafkajs (what the services run today).
 *
 * Per variant and round:
 * (1) client-child.ts, the library driven directly with the services' settings: produce (awaited
 *     sends of 1,000, acks=all, idempotent), consume (a new group reads a shared backlog), consume ->
 *     produce (the bare pipe) on that backlog, latency at a fixed rate (produce -> consume, p50/p99);
 *     client CPU per record and the process's peak RSS.
 * (2) The inference worker (services/inference/src/main.ts, as bench:inference starts it) on a shared
 *     backlog of feature vectors, with a new group: predictions/s end to end, CPU per event, peak RSS.
 * (3) The feature service (feature-service-child.ts, createApp as bench:feature runs it) on a shared
 *     backlog of payment events: events/s, CPU per event, batch p99, peak RSS.
 * A child that loaded another client than its variant's (module witness from client-hooks.ts) counts
 * as not run: its figures are left out and the JSON says so.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Kafka, logLevel } from 'kafkajs';
import { createStackTopics, stackEnv, type StackState } from '@tidewater/dev-stack';
import { samplePaymentEvents } from '@tidewater/feature';
import { avroTopicWriter } from '@tidewater/service-runtime';
import { repoRoot } from '@tidewater/schemas';
import { featureWriter, rateOf, readTimestamps, waitForGroup } from '../inference/feature-stream.js';
import { startWorker } from '../inference/worker-process.js';
import type { ChildInput, ChildOutput } from './client-child.js';
import {
  BASELINE,
  VARIANTS,
  headlines,
  interleave,
  lastJsonObject,
  summarize,
  variantEnv,
  witnessMatches,
  type ClientVariant,
  type ModuleWitness,
} from './client-variants.js';
import type { FeatureChildInput, FeatureChildOutput } from './feature-service-child.js';
import { payloads } from './kafkajs-perf.js';
import { meterCpu } from './process-cpu.js';

const execFileAsync = promisify(execFile);

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const PRODUCE_RECORDS = Number(process.env['BENCH_CLIENT_PRODUCE_RECORDS'] ?? 60_000);
const BACKLOG_RECORDS = Number(process.env['BENCH_CLIENT_BACKLOG_RECORDS'] ?? 120_000);
const LATENCY_RATE = Number(process.env['BENCH_LATENCY_RATE'] ?? 2000);
const LATENCY_SECONDS = Number(process.env['BENCH_LATENCY_SECONDS'] ?? 5);
const WORKER_EVENTS = Number(process.env['BENCH_WORKER_EVENTS'] ?? 20_000);
const FEATURE_EVENTS = Number(process.env['BENCH_FEATURE_EVENTS'] ?? 10_000);
/** Which variants run (comma-separated keys); all by default. */
const ONLY = process.env['BENCH_CLIENTS']?.split(',').map((s) => s.trim());
const WARMUP_EVENTS = 1000;
/** The figures also given flat per client in the JSON line, for bench:report. */
const HEADLINE_FIGURES = ['inference_msgs_per_s', 'inference_cpu_us_per_event', 'feature_events_per_s', 'feature_cpu_us_per_event'];
const PARTITIONS = 6;
const SEND_SIZE = 1000;
const WORKER_NODE_OPTIONS = '--max-old-space-size=256';
const here = join(repoRoot, 'load-tests', 'kafka');
const hooks = join(here, 'client-hooks.ts');

/** Latencies and CPU per record get a decimal; rates, counts and MB none. */
const decimalsOf = (name: string) => (/_ms$|_us_per_/.test(name) ? 1 : 0);

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || !Number.isFinite(n)
    ? '—'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Node arguments and environment of a child process of `variant`; the witness file says what it loaded. */
function childSetup(variant: ClientVariant, witnessFile: string) {
  rmSync(witnessFile, { force: true });
  return {
    nodeArgs: ['--import', 'tsx', '--import', hooks],
    env: { ...variantEnv(variant), BENCH_MODULE_WITNESS: witnessFile },
  };
}

function readWitness(file: string): ModuleWitness | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ModuleWitness) : undefined;
}

/** The figures one variant produced, per name, one entry per round (NaN where a part did not run). */
type Figures = Map<string, number[]>;

export async function runClientsBench(state: StackState, recordSize: number): Promise<Record<string, unknown>> {
  const env = stackEnv(state);
  const bootstrap = env['KAFKA_BROKERS']!;
  const kafka = new Kafka({ brokers: bootstrap.split(','), clientId: 'bench-clients', logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistryClient({ baseURLs: [env['SCHEMA_REGISTRY_URL']!] });
  const kafkaPids = state.kafka.pids;
  const variants = VARIANTS.filter((v) => !ONLY || ONLY.includes(v.key));
  const run = Date.now().toString(36);
  const topic = (name: string) => `bench-clients-${run}-${name}`;
  const perRun = (v: ClientVariant, r: number) => `${v.key}-${r}`;
  await createStackTopics(state.kafka, [
    ...['backlog', 'inf-in', 'feat-in', 'shadow'].map((name) => ({ name: topic(name), partitions: PARTITIONS })),
    { name: topic('dlq'), partitions: 1 },
    ...variants.flatMap((v) =>
      Array.from({ length: ROUNDS }, (_, r) =>
        ['produce', 'pipe', 'lat', 'inf-out', 'feat-out'].map((name) => ({
          name: topic(`${name}-${perRun(v, r)}`),
          partitions: PARTITIONS,
        })),
      ).flat(),
    ),
  ]);

  // The shared inputs, written once by patched kafkajs: every variant reads the same record batches.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const values = payloads(recordSize);
  for (let i = 0; i < BACKLOG_RECORDS; i += SEND_SIZE)
    await producer.send({
      topic: topic('backlog'),
      acks: -1,
      messages: Array.from({ length: Math.min(SEND_SIZE, BACKLOG_RECORDS - i) }, (_, k) => ({ value: values[(i + k) % values.length]! })),
    });
  await (await featureWriter(registry, producer, topic('inf-in'))).produce(0, WORKER_EVENTS, 'w', SEND_SIZE);
  const events = samplePaymentEvents(FEATURE_EVENTS, { seed: 42, cards: 5000, prefix: `bench-${run}`, spanMs: 7 * 86_400_000 });
  const eventWriter = await avroTopicWriter(registry, topic('feat-in'), 'paymentEvent', true);
  for (let i = 0; i < events.length; i += SEND_SIZE)
    await producer.send({
      topic: topic('feat-in'),
      acks: -1,
      messages: events.slice(i, i + SEND_SIZE).map((e) => ({ key: eventWriter.key.encode(e.card_id), value: eventWriter.value.encode(e) })),
    });
  await producer.disconnect();
  console.log(
    `inputs: ${fmt(BACKLOG_RECORDS)} records of ${recordSize} bytes, ${fmt(WORKER_EVENTS)} feature vectors, ${fmt(FEATURE_EVENTS)} payment events; ` +
      `${variants.length} variants x ${ROUNDS} rounds, one process at a time`,
  );

  const figures = new Map<string, Figures>(variants.map((v) => [v.key, new Map()]));
  const ran = new Map<string, Set<string>>(variants.map((v) => [v.key, new Set()]));
  const failures: string[] = [];
  const put = (v: ClientVariant, round: number, name: string, x: number) => {
    const f = figures.get(v.key)!;
    if (!f.has(name))
      f.set(
        name,
        Array.from({ length: ROUNDS }, () => NaN),
      );
    f.get(name)![round] = x;
  };
  const witnessed = (v: ClientVariant, part: string, file: string): boolean => {
    const w = readWitness(file);
    const ok = w !== undefined && witnessMatches(v, w);
    if (ok) ran.get(v.key)!.add(part);
    else failures.push(`${v.key} ${part}: the process loaded ${JSON.stringify(w ?? 'nothing recorded')}, not ${v.label}`);
    return ok;
  };

  for (const { round, variant: v } of interleave(variants, ROUNDS)) {
    const tag = `${run}-${perRun(v, round)}`;
    const line: string[] = [];
    const since = (t: number) => `${Math.round((performance.now() - t) / 1000)} s`;
    const t1 = performance.now();
    // (1) The library alone.
    const witness1 = `/tmp/tw-bench-clients-${tag}-raw.json`;
    const setup1 = childSetup(v, witness1);
    const input: ChildInput = {
      brokers: bootstrap.split(','),
      kafkaPids,
      partitions: PARTITIONS,
      recordSize,
      sendSize: SEND_SIZE,
      backlog: topic('backlog'),
      backlogRecords: BACKLOG_RECORDS,
      produceTopic: topic(`produce-${perRun(v, round)}`),
      produceRecords: PRODUCE_RECORDS,
      pipeOutput: topic(`pipe-${perRun(v, round)}`),
      latencyTopic: topic(`lat-${perRun(v, round)}`),
      latencyRate: LATENCY_RATE,
      latencySeconds: LATENCY_SECONDS,
      tag,
    };
    try {
      const { stdout } = await execFileAsync(process.execPath, [...setup1.nodeArgs, join(here, 'client-child.ts'), JSON.stringify(input)], {
        cwd: repoRoot,
        env: { ...process.env, ...setup1.env },
        maxBuffer: 1 << 24,
        timeout: 240_000,
      });
      const out = lastJsonObject(stdout) as unknown as ChildOutput;
      if (witnessed(v, 'raw', witness1)) {
        for (const part of ['produce', 'consume', 'pipe'] as const) {
          put(v, round, `${part}_msgs_per_s`, out[part].msgsPerS);
          put(v, round, `${part}_cpu_us_per_msg`, out[part].cpuUsPerMsg);
        }
        put(v, round, 'latency_p50_ms', out.latency.p50Ms);
        put(v, round, 'latency_p99_ms', out.latency.p99Ms);
        put(v, round, 'raw_rss_peak_mb', out.rssPeakMb);
        line.push(
          `produce ${fmt(out.produce.msgsPerS)}/s, consume ${fmt(out.consume.msgsPerS)}/s, pipe ${fmt(out.pipe.msgsPerS)}/s, ` +
            `p99 ${fmt(out.latency.p99Ms, 1)} ms at ${fmt(LATENCY_RATE)}/s, RSS ${fmt(out.rssPeakMb)} MB (${since(t1)})`,
        );
      }
    } catch (err) {
      failures.push(`${v.key} raw round ${round + 1}: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
    }

    // (2) The inference worker, end to end.
    const t2 = performance.now();
    const witness2 = `/tmp/tw-bench-clients-${tag}-inference.json`;
    const setup2 = childSetup(v, witness2);
    const group = `bench-clients-inf-${tag}`;
    const worker = startWorker(
      {
        KAFKA_BROKERS: bootstrap,
        SCHEMA_REGISTRY_URL: env['SCHEMA_REGISTRY_URL']!,
        TOPIC_FEATURES: topic('inf-in'),
        TOPIC_PREDICTIONS: topic(`inf-out-${perRun(v, round)}`),
        TOPIC_PREDICTIONS_SHADOW: topic('shadow'),
        TOPIC_EVENTS_DLQ: topic('dlq'),
        CONSUMER_GROUP: group,
        KAFKA_CLIENT_ID: group,
        NODE_OPTIONS: WORKER_NODE_OPTIONS,
        ...setup2.env,
      },
      { nodeArgs: setup2.nodeArgs.slice(2) },
    );
    let meter: ReturnType<typeof meterCpu> | undefined;
    const workerDone = await waitForGroup(kafka, group, topic('inf-in'), 180_000, () => {
      meter = meterCpu({ worker: [worker.child.pid!], kafka: kafkaPids });
    });
    const cpu = meter?.stop();
    const rss = worker.peakRssMb();
    await worker.stop();
    const out = await readTimestamps(kafka, topic(`inf-out-${perRun(v, round)}`), WORKER_EVENTS, 30_000);
    if (witnessed(v, 'inference', witness2) && workerDone && out.length >= WORKER_EVENTS) {
      const rate = rateOf(out, WARMUP_EVENTS);
      put(v, round, 'inference_msgs_per_s', rate);
      put(v, round, 'inference_cpu_us_per_event', ((cpu?.shares['worker'] ?? NaN) * 1e6) / rate);
      put(v, round, 'inference_rss_peak_mb', rss);
      line.push(`inference ${fmt(rate)}/s, RSS ${fmt(rss)} MB (${since(t2)})`);
    } else if (!workerDone || out.length < WORKER_EVENTS)
      failures.push(`${v.key} inference round ${round + 1}: ${out.length} of ${WORKER_EVENTS} predictions`);

    // (3) The feature service, end to end.
    const t3 = performance.now();
    const witness3 = `/tmp/tw-bench-clients-${tag}-feature.json`;
    const setup3 = childSetup(v, witness3);
    const featureInput: FeatureChildInput = {
      brokers: bootstrap,
      registryUrl: env['SCHEMA_REGISTRY_URL']!,
      redisUrl: env['REDIS_URL']!,
      kafkaPids,
      events: topic('feat-in'),
      eventsCount: FEATURE_EVENTS,
      features: topic(`feat-out-${perRun(v, round)}`),
      dlq: topic('dlq'),
      tag,
    };
    try {
      const { stdout } = await execFileAsync(
        process.execPath,
        [...setup3.nodeArgs, join(here, 'feature-service-child.ts'), JSON.stringify(featureInput)],
        { cwd: repoRoot, env: { ...process.env, ...setup3.env }, maxBuffer: 1 << 24, timeout: 240_000 },
      );
      const f = lastJsonObject(stdout) as unknown as FeatureChildOutput;
      if (witnessed(v, 'feature', witness3)) {
        put(v, round, 'feature_events_per_s', f.eventsPerS);
        put(v, round, 'feature_cpu_us_per_event', f.cpuUsPerEvent);
        put(v, round, 'feature_batch_p99_ms', f.batchP99Ms);
        put(v, round, 'feature_rss_peak_mb', f.rssPeakMb);
        line.push(
          `feature ${fmt(f.eventsPerS)}/s in ${f.batches} batches, ${fmt(f.cpuUsPerEvent, 1)} µs CPU/event, RSS ${fmt(f.rssPeakMb)} MB (${since(t3)})`,
        );
      }
    } catch (err) {
      failures.push(`${v.key} feature round ${round + 1}: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
    }
    for (const f of [witness1, witness2, witness3]) rmSync(f, { force: true });
    console.log(`round ${round + 1}/${ROUNDS} ${v.label}: ${line.join('; ') || 'nothing ran'}`);
  }

  // Medians and ratios per figure.
  const names = [...new Set([...figures.values()].flatMap((f) => [...f.keys()]))];
  const table = Object.fromEntries(
    names.map((name) => {
      const byVariant = Object.fromEntries(variants.map((v) => [v.key, figures.get(v.key)!.get(name) ?? []]));
      return [name, summarize(byVariant, decimalsOf(name))];
    }),
  );
  console.log('');
  console.log(
    `median of ${ROUNDS} rounds (spread = (max - min) / median over the rounds); ratio = variant / ${BASELINE}; ` +
      `± is half the spread; CPU is the client's process (µs of CPU per record or event); ${cpus().length} cores shared with other processes`,
  );
  console.log(`| figure | ${variants.map((v) => v.label).join(' | ')} |`);
  console.log(`| ------ | ${variants.map(() => '---').join(' | ')} |`);
  for (const name of names) {
    const digits = decimalsOf(name);
    const cells = variants.map((v) => {
      const s = table[name]![v.key]!;
      if (s.median === null) return 'not run';
      const ratio = v.key === BASELINE || s.ratio_to_patched === null ? '' : ` (${fmt(s.ratio_to_patched, 2)}x)`;
      return `${fmt(s.median, digits)}${ratio} ±${fmt((s.spread ?? NaN) * 50, 0)}%`;
    });
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
  for (const f of failures) console.log(`not counted: ${f}`);
  console.log(`machine load average (1 min) at the end: ${fmt(loadavg()[0]!, 1)} on ${cpus().length} cores (other processes share them)`);

  // Per client: { figure: median }, with ratios and rounds beside.
  const perClient = Object.fromEntries(
    variants.map((v) => [
      v.key,
      {
        label: v.label,
        ran: [...ran.get(v.key)!],
        ...Object.fromEntries(names.map((name) => [name, table[name]![v.key]!.median])),
        ratio_to_patched: Object.fromEntries(names.map((name) => [name, table[name]![v.key]!.ratio_to_patched])),
        spread: Object.fromEntries(names.map((name) => [name, table[name]![v.key]!.spread])),
        rounds: Object.fromEntries(names.map((name) => [name, table[name]![v.key]!.rounds])),
      },
    ]),
  );
  return {
    ...headlines(table, variants, HEADLINE_FIGURES),
    clients: perClient,
    kafkajs_patch_sha256: createHash('sha256')
      .update(readFileSync(join(repoRoot, 'patches', 'kafkajs+2.2.4.patch')))
      .digest('hex')
      .slice(0, 16),
    baseline: BASELINE,
    client_rounds: ROUNDS,
    produce_records: PRODUCE_RECORDS,
    backlog_records: BACKLOG_RECORDS,
    send_size: SEND_SIZE,
    latency_rate_msgs_per_s: LATENCY_RATE,
    latency_seconds: LATENCY_SECONDS,
    worker_events: WORKER_EVENTS,
    feature_events: FEATURE_EVENTS,
    not_counted: failures,
    load_average_1m: Math.round(loadavg()[0]! * 10) / 10,
  };
}
