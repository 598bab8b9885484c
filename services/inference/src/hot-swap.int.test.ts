import { rm } from 'node:fs/promises';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeadLetterWriter, createKafkaClient, createProducer } from '@tidewater/kafka';
import { createLogger } from '@tidewater/logging';
import { createMetricsRegistry } from '@tidewater/ops-server';
import type { Prediction } from '@tidewater/schemas';
import { avroReader, avroTopicWriter } from '@tidewater/service-runtime';
import { createTopics, stackEndpoints, uniqueName } from '@tidewater/test-support';
import { createApp, type InferenceApp } from './app.js';
import { inferenceConfigSchema } from './config.js';
import {
  addDemoVersion,
  collectTopics,
  gatedScorer,
  groupBy,
  leaseCountingRouter,
  tempRepositoryRoot,
  until,
  writePolicy,
} from '../test/hot-swap-fixture.js';
import { canarySeed, entityBucket, ModelRepository } from './repository/index.js';
import { sampleFeatureVectors } from '../test/sample-feature-vectors.js';

const logger = createLogger({ service: 'inference-hotswap-test', level: 'silent' });
const MODEL = 'fraud-demo';
const CANARY_PERCENT = 25;
const ENTITIES = 2000;
const CHUNK = 100;
/** Sentinel vectors, one entity each: enough that their predictions reach all 6 partitions. */
const SENTINELS = 60;
const cleanup: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('inference hot swap on the stream', () => {
  it('swaps, canaries, shadows and unloads versions mid-stream: every event scored exactly once', { timeout: 120_000 }, async () => {
    const { brokers, registryUrl } = stackEndpoints();
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
    const kafka = createKafkaClient({ brokers, clientId: 'inference-hotswap-int', logger });
    const producer = createProducer({ kafka, logger });
    await producer.start();
    cleanup.push(() => producer.close());
    const schemaRegistry = new SchemaRegistryClient({ baseURLs: [registryUrl] });

    // Versions 1 and 2 on disk, policy pinning 1: version 1 serves first.
    const root = await tempRepositoryRoot();
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    await addDemoVersion(root, MODEL, '1');
    await addDemoVersion(root, MODEL, '2');
    await writePolicy(root, MODEL, { primary: '1' });
    const closed: { version: string; at: number; leasesOut: number }[] = [];
    // Built after the repository, whose onModelClosed drops the batcher's state of a closed version (as main.ts does).
    const late: { app?: InferenceApp } = {};
    const repo: ModelRepository = new ModelRepository({
      root,
      logger,
      pollIntervalMs: 25,
      onModelClosed: (m) => {
        closed.push({ version: m.manifest.version, at: Date.now(), leasesOut: tracker.held(m) });
        late.app?.forget(m);
      },
    });
    const tracker = leaseCountingRouter(repo);
    const gate = gatedScorer('1');
    await repo.open();
    cleanup.push(() => repo.close());

    const metrics = createMetricsRegistry('inference');
    const config = inferenceConfigSchema.parse({
      KAFKA_BROKERS: brokers.join(','),
      SCHEMA_REGISTRY_URL: registryUrl,
      TOPIC_FEATURES: topics.features,
      TOPIC_PREDICTIONS: topics.predictions,
      TOPIC_PREDICTIONS_SHADOW: topics.shadow,
      TOPIC_EVENTS_DLQ: topics.dlq,
      CONSUMER_GROUP: uniqueName('inference'),
    });
    const app = await createApp({
      kafka,
      logger,
      metrics,
      producer,
      schemaRegistry,
      deadLetterWriter: (topic) => createDeadLetterWriter({ producer, topic, service: 'inference', registry: metrics }),
      router: tracker.router,
      modelName: MODEL,
      scorer: gate.scorer,
      config,
    });
    late.app = app;
    await app.start();
    cleanup.push(() => app.close());
    const collector = await collectTopics(kafka, uniqueName('reader'), [topics.predictions, topics.shadow]);
    cleanup.push(() => collector.stop());
    const predicted = (): number => collector.count(topics.predictions);

    // A continuous stream: CHUNK vectors per send, as fast as the worker keeps up with, until told to stop.
    const writer = await avroTopicWriter(schemaRegistry, topics.features, 'featureVector', true);
    const vectors = sampleFeatureVectors(30_000, { prefix: uniqueName('swap'), entities: ENTITIES });
    const sentAt = new Map<string, number>();
    let produced = 0;
    let stopFeeding = false;
    const feeding = (async () => {
      while (!stopFeeding && produced < vectors.length) {
        const chunk = vectors.slice(produced, produced + CHUNK);
        const at = Date.now();
        for (const v of chunk) sentAt.set(v.event_id, at);
        await producer.send(
          topics.features,
          chunk.map((v) => ({ key: writer.key.encode(v.entity_key), value: writer.value.encode(v) })),
        );
        produced += chunk.length;
        // Keep the lag (produced - predicted) bounded, so each phase below scores events sent in it.
        while (!stopFeeding && produced - predicted() > 1500) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    // On a failure: stop feeding, and let runs held at the gate finish so the app can close.
    cleanup.push(async () => {
      stopFeeding = true;
      gate.release();
      await feeding.catch(() => undefined);
    });
    const afterMore = async (n: number): Promise<void> => {
      const target = produced + n;
      await until(() => predicted() >= target, `${target} predictions`, 30_000);
    };
    const route = () => repo.status(MODEL)?.route;

    // Phase 1 -> 2: the operator rewrites policy.json; the watcher applies it while records flow.
    await until(() => predicted() >= 1500, 'the first predictions');
    const swapWritten = Date.now();
    await writePolicy(root, MODEL, { primary: '2' });
    await until(() => route()?.primary === '2', 'version 2 primary');
    const swapApplied = Date.now();
    await afterMore(1000);
    // A third version appears on disk (picked up by the watcher, serving nothing under the pinned
    // policy), then becomes the canary with version 1 as a shadow.
    await addDemoVersion(root, MODEL, '3');
    await until(() => repo.versions(MODEL).includes('3'), 'version 3 loaded');
    const canaryWritten = Date.now();
    await writePolicy(root, MODEL, { primary: '2', canary: { version: '3', percent: CANARY_PERCENT }, shadows: ['1'] });
    await until(() => route()?.canary?.version === '3', 'canary applied');
    const canaryApplied = Date.now();
    await afterMore(2500);
    // Unload version 1 (a shadow now) while stream batches that hold it are in flight, kept there by
    // the gate: its session must stay open until the last of them released its lease.
    gate.hold();
    await until(() => gate.waiting() > 0, 'a version 1 run held at the gate');
    const v1 = gate.model()!;
    const unloadStarted = Date.now();
    await repo.unloadVersion(MODEL, '1');
    const unloaded = Date.now();
    expect(route()).toEqual({ primary: '2', canary: { version: '3', percent: CANARY_PERCENT }, shadows: [] });
    await new Promise((r) => setTimeout(r, 300));
    expect(tracker.held(v1)).toBeGreaterThan(0);
    expect(closed).toEqual([]);
    const gateOpened = Date.now();
    gate.release();
    await until(() => closed.length > 0, 'version 1 closed');
    await afterMore(1000);

    stopFeeding = true;
    await feeding;
    await until(() => predicted() >= produced, 'every prediction', 30_000);
    // Sentinels: vectors of SENTINELS entities sent once every prediction arrived. Their predictions
    // land on every partition of the predictions topic (checked below), so a duplicate or a stray
    // record of the stream above would be read before them.
    const sentinelPrefix = uniqueName('sentinel');
    const sentinels = sampleFeatureVectors(SENTINELS, { prefix: sentinelPrefix, entities: SENTINELS });
    await producer.send(
      topics.features,
      sentinels.map((v) => ({ key: writer.key.encode(v.entity_key), value: writer.value.encode(v) })),
    );
    await until(() => predicted() >= produced + SENTINELS, 'the sentinel predictions', 30_000);
    await collector.stop();

    const reader = avroReader(schemaRegistry, 'prediction');
    await reader.prepare(collector.records.map((r) => r.value));
    const decoded = collector.records.map((r) => ({ ...r, prediction: reader.decode(r.value) as Prediction }));
    const isSentinel = (p: Prediction): boolean => p.event_id.startsWith(sentinelPrefix);
    const sentinelPartitions = new Set(
      decoded.filter((r) => r.topic === topics.predictions && isSentinel(r.prediction)).map((r) => r.partition),
    );
    expect(sentinelPartitions.size).toBe(6);
    const decode = (topic: string): Prediction[] =>
      decoded.filter((r) => r.topic === topic && !isSentinel(r.prediction)).map((r) => r.prediction);
    const served = decode(topics.predictions);
    const shadowed = decode(topics.shadow);

    // Exactly once: every event sent has one prediction, none has two, nothing else appears.
    expect(served.length).toBe(produced);
    expect(new Set(served.map((p) => p.event_id))).toEqual(new Set(sentAt.keys()));
    const byId = new Map(served.map((p) => [p.event_id, p]));

    // Version 1 only before the policy changed, version 2 for everything sent after the swap was applied
    // until the canary (a lease taken before predicted_at, and after the send).
    const sentAfter = (p: Prediction, t: number): boolean => sentAt.get(p.event_id)! >= t;
    const phase1 = served.filter((p) => p.predicted_at < swapWritten);
    const phase2 = served.filter((p) => sentAfter(p, swapApplied) && p.predicted_at < canaryWritten);
    const phase3 = served.filter((p) => sentAfter(p, canaryApplied) && p.predicted_at < unloadStarted);
    const phase4 = served.filter((p) => sentAfter(p, unloaded));
    for (const phase of [phase1, phase2, phase3, phase4]) expect(phase.length).toBeGreaterThan(300);
    expect(new Set(phase1.map((p) => p.model_version))).toEqual(new Set(['1']));
    expect(new Set(phase2.map((p) => p.model_version))).toEqual(new Set(['2']));
    // Per input partition the switch happens once: never version 1 again after another version served.
    const byPartition = groupBy(served, (p) => p.source.partition);
    for (const list of byPartition.values()) {
      list.sort((a, b) => a.source.offset - b.source.offset);
      const firstOther = list.findIndex((p) => p.model_version !== '1');
      expect(firstOther).toBeGreaterThan(0);
      expect(list.slice(firstOther).filter((p) => p.model_version === '1')).toEqual([]);
    }

    // Canary: each entity goes to the version its hash bucket names, so it always gets the same
    // version, and the canary's share of entities is the configured one. (An entity is in a canary of
    // p % when its bucket, in [0, 10000), is below p * 100.)
    const seed = canarySeed(MODEL);
    const expectedVersion = (key: string): string => (entityBucket(seed, key) < CANARY_PERCENT * 100 ? '3' : '2');
    const withCanary = [...phase3, ...phase4];
    expect(withCanary.filter((p) => p.model_version !== expectedVersion(p.entity_key))).toEqual([]);
    const versionsPerEntity = groupBy(withCanary, (p) => p.entity_key);
    for (const list of versionsPerEntity.values()) expect(new Set(list.map((p) => p.model_version)).size).toBe(1);
    const canaryEntities = [...versionsPerEntity.values()].filter((list) => list[0]!.model_version === '3').length;
    expect(versionsPerEntity.size).toBeGreaterThan(ENTITIES * 0.9);
    expect(Math.abs((100 * canaryEntities) / versionsPerEntity.size - CANARY_PERCENT)).toBeLessThanOrEqual(2);

    // Shadows: only version 1, only on the shadow topic, once per event scored while it was a shadow,
    // with the same inputs (same ONNX file, so the same score) as the serving prediction.
    expect(new Set(shadowed.map((p) => p.model_version))).toEqual(new Set(['1']));
    expect(new Set(shadowed.map((p) => p.event_id)).size).toBe(shadowed.length);
    const shadowIds = new Set(shadowed.map((p) => p.event_id));
    expect(phase3.filter((p) => !shadowIds.has(p.event_id)).map((p) => p.event_id)).toEqual([]);
    expect([...phase1, ...phase2, ...phase4].filter((p) => shadowIds.has(p.event_id)).map((p) => p.event_id)).toEqual([]);
    expect(shadowed.filter((s) => !byId.has(s.event_id))).toEqual([]);
    for (const s of shadowed) {
      const p = byId.get(s.event_id)!;
      expect(p.model_version).not.toBe('1');
      expect(s.score).toBeCloseTo(p.score, 6);
    }

    // Version 1 kept scoring the batches it held after the unload, and was closed once, only after
    // they were delivered and their leases released.
    expect(shadowed.filter((s) => s.predicted_at >= unloaded).length).toBeGreaterThan(0);
    expect(closed).toEqual([{ version: '1', at: expect.any(Number), leasesOut: 0 }]);
    expect(closed[0]!.at).toBeGreaterThanOrEqual(gateOpened);
    await expect(v1.score(new Float32Array(v1.featureNames.length), 1)).rejects.toMatchObject({ code: 'TW_MODEL_CLOSED' });
    expect(repo.versions(MODEL)).toEqual(['2', '3']);
  });
});
