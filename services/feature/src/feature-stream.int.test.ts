import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDeadLetterWriter,
  createKafkaClient,
  createProducer,
  type KafkaAdmin,
  type KafkaClient,
  type TidewaterProducer,
} from '@tidewater/kafka';
import { createMetricsRegistry } from '@tidewater/ops-server';
import { avroReader, avroTopicWriter } from '@tidewater/service-runtime';
import type { FeatureVector, PaymentEvent } from '@tidewater/schemas';
import { createTopics, runService, stackEndpoints, uniqueName } from '@tidewater/test-support';
import { createApp, type FeatureApp } from './app.js';
import { featureConfigSchema } from './config.js';
import { samplePaymentEvents } from './sample-events.js';

const logger = pino({ level: 'silent' });
const runId = uniqueName('feat');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let kafka: KafkaClient;
let producer: TidewaterProducer;
let registry: SchemaRegistryClient;
let redis: Redis;
const apps: FeatureApp[] = [];
const eventsTopic = `${runId}.events`;
const dlqTopic = `${runId}.dlq`;
const events = samplePaymentEvents(5000, { seed: 7, prefix: runId });

beforeAll(async () => {
  const { brokers, registryUrl, redisUrl } = stackEndpoints();
  kafka = createKafkaClient({ brokers, clientId: 'feature-int', logger });
  producer = createProducer({ kafka, logger });
  await producer.start();
  registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  redis = new Redis(redisUrl);
  await createTopics([
    { name: eventsTopic, partitions: 6 },
    { name: dlqTopic, partitions: 1 },
  ]);
  const writer = await avroTopicWriter(registry, eventsTopic, 'paymentEvent', true);
  for (let i = 0; i < events.length; i += 500) {
    await producer.send(
      eventsTopic,
      events.slice(i, i + 500).map((e) => ({ key: writer.key.encode(e.card_id), value: writer.value.encode(e) })),
    );
  }
});

afterAll(async () => {
  for (const a of apps) await a.close();
  await producer.close();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `tw-test:${runId}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

function configFor(keyPrefix: string, group: string, featuresTopic: string, inputTopic = eventsTopic) {
  const { brokers, registryUrl, redisUrl } = stackEndpoints();
  return featureConfigSchema.parse({
    KAFKA_BROKERS: brokers.join(','),
    SCHEMA_REGISTRY_URL: registryUrl,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    TOPIC_EVENTS_VALID: inputTopic,
    TOPIC_FEATURES: featuresTopic,
    TOPIC_EVENTS_DLQ: dlqTopic,
    CONSUMER_GROUP: group,
  });
}

async function startApp(keyPrefix: string, group: string, featuresTopic: string, inputTopic = eventsTopic) {
  const config = configFor(keyPrefix, group, featuresTopic, inputTopic);
  const metrics = createMetricsRegistry('feature');
  const http = Fastify();
  const app = await createApp({
    kafka,
    logger,
    metrics,
    producer,
    schemaRegistry: registry,
    deadLetterWriter: (topic) => createDeadLetterWriter({ producer, topic, service: 'feature', registry: metrics }),
    redis,
    config,
    http,
  });
  apps.push(app);
  await app.start();
  return { app, metrics, http };
}

/** Sum of the group's committed offsets on the events topic, and whether they reached the end. */
async function groupProgress(group: string, topic = eventsTopic): Promise<{ committed: number; done: boolean }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await progressOf(admin, group, topic);
  } finally {
    await admin.disconnect();
  }
}

async function progressOf(admin: KafkaAdmin, group: string, topic: string): Promise<{ committed: number; done: boolean }> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const byPartition = new Map(committed!.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
  return {
    committed: [...byPartition.values()].reduce((s, o) => s + o, 0),
    done: ends.every((e) => byPartition.get(e.partition) === Number(e.high)),
  };
}

/** Events the service process published vectors for, from its /metrics. */
async function processedBy(port: number): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  return [...text.matchAll(/^tw_feature_events_processed_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

async function untilCommitted(group: string, topic = eventsTopic, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await groupProgress(group, topic)).done) {
    if (Date.now() > deadline) throw new Error(`group ${group} did not commit every event in time`);
    await sleep(250);
  }
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out.sort();
}

/**
 * Every aggregate the state holds under a prefix, prefix stripped: each entity's window state as
 * stored (its bytes: buckets, distinct sketches, applied ids, version). The online store is left
 * out (its vectors carry the time they were computed).
 */
async function stateSnapshot(prefix: string): Promise<Record<string, unknown>> {
  const snap: Record<string, unknown> = {};
  for (const key of await keysUnder(prefix)) {
    const name = key.slice(prefix.length);
    if (name.startsWith('online:')) continue;
    snap[name] = (await redis.getBuffer(key))?.toString('base64');
  }
  return snap;
}

/** Events applied to the state under a prefix: the sum of the entities' versions (each counts its applied events). */
async function appliedIds(prefix: string): Promise<number> {
  const p = redis.pipeline();
  for (const key of await keysUnder(prefix)) if (key.endsWith(':s')) p.getrangeBuffer(key, 0, 7);
  return ((await p.exec()) ?? []).reduce((n, [, v]) => n + (v as Buffer).readDoubleLE(0), 0);
}

async function counter(metrics: Registry, name: string): Promise<number> {
  const m = await metrics.getSingleMetric(name)?.get();
  return (m?.values ?? []).reduce((s, v) => s + v.value, 0);
}

/** tw_feature_events_processed_total by outcome (0 for outcomes never seen). */
async function outcomes(metrics: Registry): Promise<Record<string, number>> {
  const m = await metrics.getSingleMetric('tw_feature_events_processed_total')?.get();
  const out: Record<string, number> = { applied: 0, already_applied: 0, late: 0 };
  for (const v of m?.values ?? []) out[String(v.labels['outcome'])] = v.value;
  return out;
}

describe('feature service state', () => {
  it(
    'leaves identical aggregates after one pass, a pass killed mid-batch and resumed, and two full replays',
    { timeout: 300_000 },
    async () => {
      // Reference: one clean pass.
      const reference = `tw-test:${runId}:ref:`;
      const refGroup = uniqueName('feature-ref');
      const refTopic = uniqueName('features');
      await createTopics([{ name: refTopic, partitions: 6 }]);
      const ref = await startApp(reference, refGroup, refTopic);
      await untilCommitted(refGroup);
      const expected = await stateSnapshot(reference);
      expect(Object.keys(expected).length).toBe(new Set(events.map((e) => e.card_id)).size); // one state per card
      expect(await counter(ref.metrics, 'tw_feature_late_events_total')).toBeGreaterThan(0);
      const refApplied = await appliedIds(reference);

      // Pass 1: the service as a process on the backlog, SIGKILLed once it published a thousand
      // vectors, usually while it is busy with the next batches, so Redis holds updates whose offsets
      // are not committed. Where exactly the kill lands is not in the test's hands; the replays
      // below force every event through the already-applied path.
      const prefix = `tw-test:${runId}:replay:`;
      const group = uniqueName('feature-crash');
      const topic = uniqueName('features');
      await createTopics([{ name: topic, partitions: 6 }]);
      const { env } = stackEndpoints();
      const service = await runService('feature', {
        ...env,
        ...Object.fromEntries(
          Object.entries(configFor(prefix, group, topic)).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
        ),
        LOG_LEVEL: 'warn',
      });
      let processedAtKill = 0;
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        processedAtKill = await processedBy(service.port);
        if (processedAtKill >= 1000) break;
        await sleep(5);
      }
      service.child.kill('SIGKILL');
      await service.stop();
      expect(processedAtKill).toBeGreaterThanOrEqual(1000);
      const { committed } = await groupProgress(group);
      expect(committed).toBeLessThan(events.length); // mid-stream
      // Not asserted: that Redis is behind too. On a fast run the kill can land after the last batch's
      // updates and before its commit, and then every event is applied; the group's commit being behind
      // is what makes the resumed pass redeliver events whose updates Redis already holds.
      expect(await appliedIds(prefix)).toBeLessThanOrEqual(refApplied);

      // The same group resumes from its commit: the redelivered events are skipped by id.
      const resumed = await startApp(prefix, group, topic);
      await untilCommitted(group);
      // Every redelivered event is accounted for (applied, skipped as already applied, or late),
      // and the state equals the single pass whatever the kill left behind.
      const afterResume = await outcomes(resumed.metrics);
      expect(afterResume['applied']! + afterResume['already_applied']! + afterResume['late']!).toBe(events.length - committed);
      expect(await stateSnapshot(prefix)).toEqual(expected);

      // Two full replays from the beginning (new groups): nothing changes.
      for (const replay of [1, 2]) {
        const g = uniqueName(`feature-replay${replay}`);
        const r = await startApp(prefix, g, topic);
        await untilCommitted(g);
        // Replayed events are skipped as already applied, or, once their card moved on, as late: none applies.
        expect(await outcomes(r.metrics)).toEqual({ applied: 0, already_applied: expect.any(Number), late: expect.any(Number) });
        const o = await outcomes(r.metrics);
        expect(o['already_applied']! + o['late']!).toBe(events.length);
        expect(o['already_applied']).toBeGreaterThan(0);
        expect(await stateSnapshot(prefix)).toEqual(expected);
      }
    },
  );

  it('serves from GET /v1/features/{entity} the vector it just published for the event', { timeout: 120_000 }, async () => {
    const prefix = `tw-test:${runId}:serve:`;
    const ownEvents = `${runId}.serve-events`;
    const topic = uniqueName('features');
    await createTopics([
      { name: ownEvents, partitions: 3 },
      { name: topic, partitions: 3 },
    ]);
    const config = { ...configFor(prefix, uniqueName('feature-serve'), topic), TOPIC_EVENTS_VALID: ownEvents };
    const metrics = createMetricsRegistry('feature');
    const http = Fastify();
    const app = await createApp({
      kafka,
      logger,
      metrics,
      producer,
      schemaRegistry: registry,
      deadLetterWriter: (t) => createDeadLetterWriter({ producer, topic: t, service: 'feature', registry: metrics }),
      redis,
      config,
      http,
    });
    apps.push(app);
    await app.start();

    // Read the features topic as an inference worker does.
    const reader = avroReader(registry, 'featureVector');
    const seen: FeatureVector[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('worker'), maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        await reader.prepare(batch.messages.map((m) => m.value));
        for (const m of batch.messages) seen.push(reader.decode(m.value!));
      },
    });
    const writer = await avroTopicWriter(registry, ownEvents, 'paymentEvent', true);
    const stream = samplePaymentEvents(30, {
      seed: 11,
      cards: 3,
      prefix: `${runId}-serve`,
      start: Date.now() - 3_600_000,
      spanMs: 3_000_000,
    });
    try {
      for (const e of stream as PaymentEvent[]) {
        await producer.send(ownEvents, [{ key: writer.key.encode(e.card_id), value: writer.value.encode(e) }]);
        const deadline = Date.now() + 20_000;
        let vector: FeatureVector | undefined;
        while (!(vector = seen.find((v) => v.event_id === e.event_id)) && Date.now() < deadline) await sleep(5);
        expect(vector, e.event_id).toBeDefined();
        const res = await http.inject({ method: 'GET', url: `/v1/features/${encodeURIComponent(e.card_id)}` });
        expect(res.statusCode).toBe(200);
        const served = res.json<FeatureVector>();
        if (vector!.late || served.event_time > vector!.event_time) {
          // An out-of-order event does not replace its card's newer vector in the online store.
          expect(served.event_time).toBeGreaterThanOrEqual(vector!.event_time);
        } else {
          expect(served).toEqual(vector);
        }
      }
      const batch = await http.inject({
        method: 'POST',
        url: '/v1/features:batchGet',
        payload: { entities: ['card-0', 'card-1', 'nobody'] },
      });
      expect(batch.statusCode).toBe(200);
      const body = batch.json<{ vectors: { entity_key: string; found: boolean }[] }>();
      expect(body.vectors.map((v) => [v.entity_key, v.found])).toEqual([
        ['card-0', true],
        ['card-1', true],
        ['nobody', false],
      ]);
      expect(seen.every((v) => v.feature_set === 'card-fraud' && v.feature_set_version === app.featureSet.version)).toBe(true);
    } finally {
      await consumer.disconnect();
    }
  });
});
