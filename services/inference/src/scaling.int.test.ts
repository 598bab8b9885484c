import { readFileSync } from 'node:fs';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { afterAll, describe, expect, it } from 'vitest';
import { avroReader, avroTopicWriter } from '@tidewater/service-runtime';
import type { Prediction } from '@tidewater/schemas';
import { createProducer } from '@tidewater/kafka';
import { createTopics, type RunningService, runService, stackEndpoints, testKafka, uniqueName } from '@tidewater/test-support';
import { sampleFeatureVectors } from '../test/sample-feature-vectors.js';
import { inferenceWorkerEnv } from '../test/worker-env.js';

describe('inference workers in one consumer group', () => {
  const workers: RunningService[] = [];
  // Set before workers are stopped on purpose, so the supervisor below does not start them again.
  let stopping = false;
  afterAll(async () => {
    stopping = true;
    await Promise.all(workers.map((w) => w.stop()));
  });

  it('share the partitions, and a worker SIGKILLed mid-stream loses no prediction', { timeout: 240_000 }, async () => {
    const { env } = stackEndpoints();
    const topics = {
      features: uniqueName('features'),
      predictions: uniqueName('pred'),
      shadow: uniqueName('shadow'),
      dlq: uniqueName('dlq'),
    };
    await createTopics([
      { name: topics.features, partitions: 6 },
      { name: topics.predictions, partitions: 6 },
      { name: topics.shadow, partitions: 6 },
      { name: topics.dlq, partitions: 1 },
    ]);
    const group = uniqueName('inference-group');
    const workerEnv = inferenceWorkerEnv(env, topics, group);
    // A supervisor, as in production: a worker that exits is started again. Needed on the mock cluster,
    // whose coordinator answers a member's SyncGroup that arrives after the leader's with INVALID_REQUEST
    // (real Kafka returns the assignment), which kafkajs treats as fatal, so a joining member may crash.
    let restarts = 0;
    const supervise = async (slot: number): Promise<void> => {
      const w = await runService('inference', { ...workerEnv, KAFKA_CLIENT_ID: `${group}-${slot}-${restarts}` });
      workers[slot] = w;
      w.child.once('exit', (_code, signal) => {
        if (stopping || signal === 'SIGKILL') return;
        restarts++;
        void supervise(slot);
      });
    };
    for (let i = 0; i < 3; i++) await supervise(i);

    const registry = new SchemaRegistryClient({ baseURLs: [env['SCHEMA_REGISTRY_URL']!] });
    const writer = await avroTopicWriter(registry, topics.features, 'featureVector', true);
    const kafka = testKafka();
    const producer = createProducer({ kafka });
    await producer.start();
    const vectors = sampleFeatureVectors(24_000, { prefix: uniqueName('kill'), entities: 3000 });
    const victim = workers[1]!;
    // The victim holds partitions before it dies: the group really shares the work.
    const holdsPartitions = () => /"assignment":\{"[^"]+":\[\d[^"]*"msg":"joined group"/.test(readFileSync(victim.logFile, 'utf8'));
    for (const deadline = Date.now() + 60_000; !holdsPartitions() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 250));
    expect(holdsPartitions()).toBe(true);
    // A stream over several seconds; the victim dies a third of the way in, while it holds batches.
    for (let i = 0; i < vectors.length; i += 400) {
      await producer.send(
        topics.features,
        vectors.slice(i, i + 400).map((v) => ({ key: writer.key.encode(v.entity_key), value: writer.value.encode(v) })),
      );
      if (i === 8000) victim.child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
    }
    await producer.close();
    expect(victim.child.signalCode ?? (await new Promise((r) => victim.child.once('exit', (_c, s) => r(s))))).toBe('SIGKILL');

    // Every event gets a prediction; duplicates (the victim's uncommitted batches, redone) carry the same event and score.
    const reader = avroReader(registry, 'prediction');
    const seen = new Map<string, Prediction>();
    let total = 0;
    let conflicting = 0;
    const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.predictions], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        await reader.prepare(batch.messages.map((m) => m.value));
        for (const m of batch.messages) {
          const p = reader.decode(m.value!) as Prediction;
          total++;
          const before = seen.get(p.event_id);
          if (before && (before.score !== p.score || before.source.offset !== p.source.offset)) conflicting++;
          seen.set(p.event_id, p);
        }
      },
    });
    const deadline = Date.now() + 120_000;
    while (seen.size < vectors.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    await consumer.disconnect();

    const missing = vectors.filter((v) => !seen.has(v.event_id)).map((v) => v.event_id);
    expect(missing.slice(0, 10)).toEqual([]);
    expect(seen.size).toBe(vectors.length);
    expect(total).toBeGreaterThanOrEqual(vectors.length);
    expect(conflicting).toBe(0);
    console.info(`scaling test: ${total} predictions for ${vectors.length} events, ${restarts} supervisor restart(s)`);
  });
});
