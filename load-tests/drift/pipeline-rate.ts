import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Kafka, logLevel } from 'kafkajs';
import { createStackTopics, runningStack, stackDown, stackEnv, stackUp } from '@tidewater/dev-stack';
import { featureWriter, rateOf, readTimestamps, waitForGroup } from '../inference/feature-stream.js';
import { startWorker } from '../inference/worker-process.js';

/**
 * The pipeline's prediction rate: one inference worker process, exactly as deployed, scoring a
 * backlog of feature vectors on the dev stack (the stack in TIDEWATER_STACK_DIR, or a private one).
 * This is the rate drift-monitor has to keep up with; it is measured, not assumed.
 */
export async function measurePipelinePredictionRate(events: number): Promise<{ predictionsPerS: number; predictions: number }> {
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
      ...['in', 'out', 'shadow'].map((name) => ({ name: topic(name), partitions: 6 })),
      { name: topic('dlq'), partitions: 1 },
    ]);
    const producer = kafka.producer();
    await producer.connect();
    const input = await featureWriter(registry, producer, topic('in'));
    // Requests of 1,000: the mock cluster hands a consumer one producer request per partition per fetch.
    await input.produce(0, events, 'drift', 1000);
    await producer.disconnect();
    const group = `bench-drift-${run}`;
    const worker = startWorker({
      KAFKA_BROKERS: env['KAFKA_BROKERS']!,
      SCHEMA_REGISTRY_URL: env['SCHEMA_REGISTRY_URL']!,
      TOPIC_FEATURES: topic('in'),
      TOPIC_PREDICTIONS: topic('out'),
      TOPIC_PREDICTIONS_SHADOW: topic('shadow'),
      TOPIC_EVENTS_DLQ: topic('dlq'),
      CONSUMER_GROUP: group,
      KAFKA_CLIENT_ID: group,
      NODE_OPTIONS: '--max-old-space-size=160',
    });
    try {
      await waitForGroup(kafka, group, topic('in'), 300_000);
    } finally {
      await worker.stop();
    }
    const out = await readTimestamps(kafka, topic('out'), events, 60_000);
    return { predictionsPerS: rateOf(out), predictions: out.length };
  } finally {
    if (ownDir) await stackDown(ownDir);
  }
}
