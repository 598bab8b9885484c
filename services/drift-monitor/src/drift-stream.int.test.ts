import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDeadLetterWriter,
  createKafkaClient,
  createProducer,
  deadLetterHeaders,
  type KafkaClient,
  type KafkaConsumer,
  type TidewaterProducer,
} from '@tidewater/kafka';
import { readModelManifest } from '@tidewater/model-manifest';
import { createMetricsRegistry } from '@tidewater/ops-server';
import { avroReader, avroTopicWriter } from '@tidewater/service-runtime';
import { repoRoot, type Alert, type DriftReport } from '@tidewater/schemas';
import { createTopics, stackEndpoints, uniqueName } from '@tidewater/test-support';
import { referenceTraffic, type TrafficEvent, type TrafficShift } from '../test/reference-traffic.js';
import { createApp } from './app.js';
import { driftConfigSchema } from './config.js';

const logger = pino({ level: 'silent' });
const manifest = readModelManifest(join(repoRoot, 'models', 'fraud-demo', '1'));
const WINDOW = 300;

interface Topics {
  features: string;
  predictions: string;
  reports: string;
  alerts: string;
  dlq: string;
}

/**
 * The drift monitor as a service over the real dev stack (Kafka, schema registry, Redis). Each
 * input topic has one partition, so pairs complete in event order and each window holds exactly
 * the events the test meant for it (with several partitions the windows would mix neighbouring
 * stretches); the statistics then depend only on the seeded traffic.
 */
describe('drift monitor over Kafka and Redis', () => {
  let kafka: KafkaClient;
  let producer: TidewaterProducer;
  let registry: SchemaRegistryClient;
  let redis: Redis;
  const prefix = `${uniqueName('drift-int')}:`;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const { brokers, registryUrl, redisUrl } = stackEndpoints();
    kafka = createKafkaClient({ brokers, clientId: 'drift-int', logger });
    producer = createProducer({ kafka, logger });
    await producer.start();
    registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
    redis = new Redis(redisUrl);
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await producer.close();
  });

  async function freshTopics(): Promise<Topics> {
    const t = {
      features: uniqueName('features'),
      predictions: uniqueName('pred'),
      reports: uniqueName('reports'),
      alerts: uniqueName('alerts'),
      dlq: uniqueName('dlq'),
    };
    await createTopics(Object.values(t).map((name) => ({ name, partitions: 1 })));
    return t;
  }

  async function startApp(topics: Topics, group: string, env: Record<string, string> = {}) {
    const { brokers, registryUrl, redisUrl } = stackEndpoints();
    const config = driftConfigSchema.parse({
      KAFKA_BROKERS: brokers.join(','),
      SCHEMA_REGISTRY_URL: registryUrl,
      REDIS_URL: redisUrl,
      TOPIC_FEATURES: topics.features,
      TOPIC_PREDICTIONS: topics.predictions,
      TOPIC_DRIFT_REPORTS: topics.reports,
      TOPIC_ALERTS: topics.alerts,
      TOPIC_EVENTS_DLQ: topics.dlq,
      CONSUMER_GROUP: group,
      REDIS_KEY_PREFIX: prefix,
      DRIFT_WINDOW_SIZE: String(WINDOW),
      ...env,
    });
    const metrics = createMetricsRegistry('drift-monitor');
    const kafka = createKafkaClient({ brokers, clientId: 'drift-int-app', logger });
    const app = await createApp({
      kafka,
      logger,
      metrics,
      producer,
      schemaRegistry: registry,
      deadLetterWriter: (topic) => createDeadLetterWriter({ producer, topic, service: 'drift-monitor', registry: metrics }),
      manifest,
      redis,
      config,
    });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await app.close();
    };
    closers.push(close);
    await app.start();
    return { app, metrics, close };
  }

  /** Collects every report and alert from the start of the topics. */
  async function watch(topics: Topics) {
    const out = { reports: [] as DriftReport[], alerts: [] as Alert[] };
    const reports = avroReader(registry, 'driftReport');
    const alerts = avroReader(registry, 'alert');
    const consumer: KafkaConsumer = kafka.consumer({ groupId: uniqueName('watch'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.reports, topics.alerts], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === topics.reports) {
          await reports.prepare([message.value!]);
          out.reports.push(reports.decode(message.value!));
        } else {
          await alerts.prepare([message.value!]);
          out.alerts.push(alerts.decode(message.value!));
        }
      },
    });
    closers.push(() => consumer.disconnect());
    return out;
  }

  async function send(topics: Topics, events: readonly TrafficEvent[]): Promise<void> {
    const features = await avroTopicWriter(registry, topics.features, 'featureVector', true);
    const predictions = await avroTopicWriter(registry, topics.predictions, 'prediction', true);
    await producer.send(
      topics.features,
      events.map((e) => ({ key: features.key.encode(e.vector.entity_key), value: features.value.encode(e.vector) })),
    );
    await producer.send(
      topics.predictions,
      events.map((e) => ({ key: predictions.key.encode(e.prediction.entity_key), value: predictions.value.encode(e.prediction) })),
    );
  }

  async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  const shifted: TrafficShift = {
    moveFeature: { name: 'amount', by: 3 },
    newCategory: { name: 'country', value: 'BR', share: 0.3 },
    scoreAdd: 0.3,
  };

  it('flags only the shifted checks, fires after K drifted windows, resolves after M clean ones', async () => {
    const topics = await freshTopics();
    const out = await watch(topics);
    await startApp(topics, uniqueName('drift'), { DRIFT_FIRE_AFTER: '2', DRIFT_RESOLVE_AFTER: '2', DRIFT_FEATURE_ALERTS: 'true' });
    // Schema violations upstream: ingestion's dead letters are counted, not decoded; other
    // services' dead letters on the shared DLQ are not schema violations and are not counted.
    await producer.send(
      topics.dlq,
      Array.from({ length: 15 }, (_, i) => ({
        key: null,
        value: Buffer.from(`{"broken": ${i}`),
        headers: { [deadLetterHeaders.service]: i < 12 ? 'ingestion' : 'inference' },
      })),
    );
    const stretches: [string, TrafficShift | undefined][] = [
      ['normal-a', undefined],
      ['shifted', shifted],
      ['normal-b', undefined],
    ];
    let t = Date.UTC(2026, 0, 1);
    for (const [i, [name, shift]] of stretches.entries()) {
      await send(topics, referenceTraffic(manifest, { n: 2 * WINDOW, seed: 40 + i, idPrefix: name, firstTime: t, shift }));
      t += 2 * WINDOW * 1000;
      // Two windows per stretch; the next stretch starts once both are judged, as time would pass.
      await until(`${name} reports`, () => out.reports.length >= 2 * (i + 1));
    }
    await until('resolved model alert', () =>
      out.alerts.some((a) => a.labels['alertname'] === 'ModelDriftDetected' && a.status === 'resolved'),
    );

    const flagged = out.reports.map((r) => r.drifted_features.join('+'));
    expect(flagged).toEqual(['', '', 'amount+country+score', 'amount+country+score', '', '']);
    expect(out.reports.map((r) => r.drifted)).toEqual([false, false, true, true, false, false]);
    for (const r of out.reports) expect(r.sample_size).toBe(WINDOW);
    const drifted = out.reports[2]!;
    expect(drifted.window_start).toBe(Date.UTC(2026, 0, 1) + 2 * WINDOW * 1000);
    expect(drifted.window_end).toBe(drifted.window_start + (WINDOW - 1) * 1000);
    expect(drifted.features.find((f) => f.feature === 'country')!.unseen_categories).toEqual(['BR']);
    expect(drifted.unseen_category_rate).toBeGreaterThan(0.05);
    expect(drifted.positive_rate_change).toBeGreaterThan(0.2);
    expect(out.reports.reduce((a, r) => a + r.dead_letters, 0)).toBe(12);

    const model = out.alerts.filter((a) => a.labels['alertname'] === 'ModelDriftDetected');
    expect(model.map((a) => a.status)).toEqual(['firing', 'resolved']);
    // K = 2: fired by the second drifted window, not the first; M = 2: resolved by the second clean one.
    expect(model[0]!.annotations['report_id']).toBe(out.reports[3]!.report_id);
    expect(model[1]!.annotations['report_id']).toBe(out.reports[5]!.report_id);
    expect(model[0]!.labels).toEqual({ alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '1', severity: 'warning' });
    expect(model[0]!.annotations['figures']).toMatch(
      /^amount: psi \d+\.\d{3} >= 0\.2; country: chisquare [\d.]+, p [\d.e+-]+ < 0\.05; score: psi [\d.]+ >= 0\.2$/,
    );
    expect(model[0]!.annotations['runbook_url']).toMatch(/#model-drift-detected$/);
    expect(model[1]!.fingerprint).toBe(model[0]!.fingerprint);
    const perFeature = out.alerts.filter((a) => a.labels['alertname'] === 'FeatureDriftDetected');
    expect(perFeature.filter((a) => a.status === 'firing').map((a) => a.labels['feature'])).toEqual(['amount', 'country', 'score']);
    expect(perFeature.filter((a) => a.status === 'resolved').map((a) => a.labels['feature'])).toEqual(['amount', 'country', 'score']);
  }, 120_000);

  it('in time mode cuts windows by event time, refuses a straggler past the lateness, and does not judge a quiet window', async () => {
    const topics = await freshTopics();
    const out = await watch(topics);
    await startApp(topics, uniqueName('drift-time'), {
      DRIFT_WINDOW_MODE: 'time',
      DRIFT_WINDOW_MS: '60000',
      DRIFT_ALLOWED_LATENESS_MS: '5000',
      DRIFT_MIN_WINDOW_EVENTS: '200',
    });
    const t0 = Date.UTC(2026, 0, 2);
    const busyA = referenceTraffic(manifest, { n: 250, seed: 60, idPrefix: 'ta', firstTime: t0, stepMs: 200 });
    // A quiet minute of shifted traffic: 30 events are too few to judge, so it must not page.
    const quiet = referenceTraffic(manifest, { n: 30, seed: 61, idPrefix: 'tq', firstTime: t0 + 60_000, shift: shifted });
    const busyB = referenceTraffic(manifest, { n: 250, seed: 62, idPrefix: 'tb', firstTime: t0 + 120_000, stepMs: 200 });
    // Its window [t0, t0 + 60 s) closed long ago: late, counted with the next window that closes.
    const straggler = referenceTraffic(manifest, { n: 1, seed: 63, idPrefix: 'ts', firstTime: t0 + 10_000 });
    // Moves the watermark past t0 + 180 s, closing the third window.
    const closer = referenceTraffic(manifest, { n: 1, seed: 64, idPrefix: 'tc', firstTime: t0 + 190_000 });
    await send(topics, [...busyA, ...quiet, ...busyB, ...straggler, ...closer]);
    await until('three time windows', () => out.reports.length >= 3);

    expect(
      out.reports.map((r) => [r.window_kind, r.window_start - t0, r.window_end - t0, r.sample_size, r.drifted, r.late_events]),
    ).toEqual([
      ['time', 0, 60_000, 250, false, 0],
      ['time', 60_000, 120_000, 30, false, 0],
      ['time', 120_000, 180_000, 250, false, 1],
    ]);
    // The quiet window still carries its figures: amount moved, but 30 values decide nothing.
    expect(out.reports[1]!.features.find((f) => f.feature === 'amount')!.value).toBeGreaterThan(0.2);
    expect(out.reports[1]!.drifted_features).toEqual([]);
    // Sentinel: an event past t0 + 240 s closes a fourth window (the closer's); no alert came before its report.
    await send(topics, referenceTraffic(manifest, { n: 1, seed: 65, idPrefix: 'tz', firstTime: t0 + 250_000 }));
    await until('the sentinel window', () => out.reports.length >= 4);
    expect(out.reports.map((r) => r.window_start - t0)).toEqual([0, 60_000, 120_000, 180_000]);
    expect(out.alerts).toEqual([]);
  }, 120_000);

  it('resumes its open window from Redis after a restart', async () => {
    const topics = await freshTopics();
    const out = await watch(topics);
    const group = uniqueName('drift-restart');
    const first = await startApp(topics, group);
    const events = referenceTraffic(manifest, { n: 2 * WINDOW, seed: 50, idPrefix: 'restart' });
    await send(topics, events.slice(0, WINDOW + 120));
    await until('first report', () => out.reports.length >= 1);
    const key = `${prefix}state:${group}`;
    const openCount = async () => {
      const text = await redis.get(key);
      const snap = text ? (JSON.parse(text) as { models: Record<string, { windows: { open: { n: number }[] } }> }) : undefined;
      return snap?.models['fraud-demo@1']?.windows.open[0]?.n ?? 0;
    };
    await until('open window saved', async () => (await openCount()) === 120);
    await first.close();

    await startApp(topics, group);
    await send(topics, events.slice(WINDOW + 120));
    await until('second report', () => out.reports.length >= 2);
    // Without the saved state the second window would hold only the 180 events sent after the restart.
    expect(out.reports.map((r) => r.sample_size)).toEqual([WINDOW, WINDOW]);
    expect(out.reports[1]!.window_start).toBe(events[WINDOW]!.prediction.event_time);
    // Sentinel: a third window of events sent after the restart; no other report came before its own.
    const sentinel = referenceTraffic(manifest, {
      n: WINDOW,
      seed: 51,
      idPrefix: 'restart-sentinel',
      firstTime: events.at(-1)!.prediction.event_time + 1000,
    });
    await send(topics, sentinel);
    await until('the sentinel report', () => out.reports.length >= 3);
    expect(out.reports.map((r) => r.sample_size)).toEqual([WINDOW, WINDOW, WINDOW]);
    expect(out.reports[2]!.window_start).toBe(sentinel[0]!.prediction.event_time);
  }, 120_000);
});
