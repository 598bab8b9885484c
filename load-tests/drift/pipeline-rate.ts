import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Kafka, logLevel } from 'kafkajs';
import { createStackTopics, runningStack, stackDown, stackEnv, stackUp } from '@tidewater/dev-stack';
import { inferenceConfigSchema } from '@tidewater/inference';
import { runBarePipe, type BarePipeResult } from '../kafka/bare-pipe.js';
import { meterCpu, type CpuSplit } from '../kafka/process-cpu.js';
import { featureWriter, rateOf, readTimestamps, waitForGroup } from '../inference/feature-stream.js';
import { startWorker } from '../inference/worker-process.js';

/** Outputs of each run not timed (JIT, first fetches), for the worker and the bare pipe alike. */
const WARMUP_EVENTS = 1000;
const PIPE_ROUNDS = 3;

export interface PipelineRate {
  readonly predictionsPerS: number;
  readonly predictions: number;
  /** The worker's process and Kafka's JVMs from the group's first commit to its last. */
  readonly workerCpu: CpuSplit | undefined;
  /** The bare kafkajs pipe on the same backlog with the worker's consumer settings, median of 3 rounds. */
  readonly barePipe: BarePipeResult;
  readonly barePipeRounds: readonly number[];
}

/**
 * The pipeline's prediction rate: one inference worker process, exactly as deployed, scoring a
 * backlog of feature vectors on the dev stack (the stack in TIDEWATER_STACK_DIR, or a private one).
 * This is the rate drift-monitor has to keep up with; it is measured, not assumed. Then the bare
 * kafkajs pipe (../kafka/bare-pipe.ts) reads the same backlog with the worker's consumer settings.
 */
export async function measurePipelinePredictionRate(events: number): Promise<PipelineRate> {
  const reuseDir = process.env['TIDEWATER_STACK_DIR'];
  const reused = reuseDir ? runningStack(reuseDir) : undefined;
  const ownDir = reused ? undefined : mkdtempSync(join(tmpdir(), 'tw-bench-drift-'));
  const state = reused ?? (await stackUp({ dir: ownDir!, fresh: true }));
  const env = stackEnv(state);
  try {
    const kafka = new Kafka({ brokers: env['KAFKA_BROKERS']!.split(','), clientId: 'bench-drift', logLevel: logLevel.NOTHING });
    const registry = new SchemaRegistryClient({ baseURLs: [env['SCHEMA_REGISTRY_URL']!] });
    const run = Date.now().toString(36);
    const topic = (name: string) => `bench-drift-${run}-${name}`;
    await createStackTopics(state.kafka, [
      ...['in', 'out', 'shadow', 'pipe'].map((name) => ({ name: topic(name), partitions: 6 })),
      { name: topic('dlq'), partitions: 1 },
    ]);
    const producer = kafka.producer();
    await producer.connect();
    const input = await featureWriter(registry, producer, topic('in'));
    // Sends of 1,000, as an upstream service's batches (on Apache Kafka they do not set fetch sizes).
    await input.produce(0, events, 'drift', 1000);
    await producer.disconnect();
    const group = `bench-drift-${run}`;
    const workerEnv: Record<string, string> = {
      KAFKA_BROKERS: env['KAFKA_BROKERS']!,
      SCHEMA_REGISTRY_URL: env['SCHEMA_REGISTRY_URL']!,
      TOPIC_FEATURES: topic('in'),
      TOPIC_PREDICTIONS: topic('out'),
      TOPIC_PREDICTIONS_SHADOW: topic('shadow'),
      TOPIC_EVENTS_DLQ: topic('dlq'),
      CONSUMER_GROUP: group,
      KAFKA_CLIENT_ID: group,
      NODE_OPTIONS: '--max-old-space-size=160',
    };
    const worker = startWorker(workerEnv);
    let meter: ReturnType<typeof meterCpu> | undefined;
    let workerCpu: CpuSplit | undefined;
    try {
      await waitForGroup(kafka, group, topic('in'), 300_000, () => {
        meter = meterCpu({ worker: [worker.child.pid!], kafka: state.kafka.pids });
      });
      workerCpu = meter?.stop(); // while the worker's /proc entry still exists
    } finally {
      await worker.stop();
    }
    const out = await readTimestamps(kafka, topic('out'), events, 60_000);
    // The worker inherits this process's environment: its consumer settings are these.
    const workerConfig = inferenceConfigSchema.parse({ ...process.env, ...workerEnv });
    const pipes: BarePipeResult[] = [];
    for (let r = 0; r < PIPE_ROUNDS; r++) {
      pipes.push(
        await runBarePipe({
          kafka,
          input: topic('in'),
          output: topic('pipe'),
          records: events,
          groupId: `bench-drift-pipe-${run}-${r}`,
          partitionsConsumedConcurrently: workerConfig.PARTITIONS_CONSUMED_CONCURRENTLY,
          consumer: { maxBytesPerPartition: workerConfig.FETCH_MAX_BYTES_PER_PARTITION, maxWaitTimeInMs: workerConfig.FETCH_MAX_WAIT_MS },
          warmupRecords: WARMUP_EVENTS,
          kafkaPids: state.kafka.pids,
        }),
      );
    }
    const byRate = [...pipes].sort((a, b) => a.msgsPerS - b.msgsPerS);
    return {
      predictionsPerS: rateOf(out, WARMUP_EVENTS),
      predictions: out.length,
      workerCpu,
      barePipe: byRate[Math.floor(byRate.length / 2)]!,
      barePipeRounds: pipes.map((p) => p.msgsPerS),
    };
  } finally {
    if (ownDir) {
      await stackDown(ownDir);
      rmSync(ownDir, { recursive: true, force: true });
    }
  }
}
