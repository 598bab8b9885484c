import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createTopics, stackEndpoints, uniqueName } from '@tidewater/test-support';
import { waitUntil } from '../test/topic-tap.js';
import { createClusterLagProbe } from './cluster-lag.js';
import { createConsumerLagProbe } from './consumer-lag.js';
import { createConsumerRunner } from './consumer-runner.js';
import { createDeadLetterWriter } from './dead-letter.js';
import type { KafkaAdmin } from './admin.js';
import { createKafkaClient, kafkajsOf, type KafkaClient } from './kafka-client.js';
import { createProducer, type TidewaterProducer } from './producer.js';

const logger = pino({ level: process.env['LAG_DEBUG'] ? 'debug' : 'silent' });

/** The registry's `tw_kafka_consumer_lag` (or committed offset) series for one group, by `topic/partition`. */
async function series(registry: Registry, name: string, group: string): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(name)?.get();
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? []) if (v.labels['group'] === group) out[`${v.labels['topic']}/${v.labels['partition']}`] = v.value;
  return out;
}

/**
 * Moves a group's committed offsets; an operator action no service needs, so not on our admin. Done
 * with a kafkajs admin whichever client is under test (KAFKA_CLIENT).
 */
async function setOffsets(
  kafka: KafkaClient,
  opts: { groupId: string; topic: string; partitions: { partition: number; offset: string }[] },
) {
  const viaKafkajs = kafkajsOf(createKafkaClient({ brokers: stackEndpoints().brokers, clientId: kafka.clientId, client: 'kafkajs' }));
  const raw = viaKafkajs.admin();
  await raw.connect();
  await raw.setOffsets(opts).finally(() => raw.disconnect());
}

const total = (s: Record<string, number>) => Object.values(s).reduce((a, b) => a + b, 0);

describe('consumer lag probe on the dev stack', () => {
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let producer: TidewaterProducer;
  const topic = uniqueName('lag-probe');

  beforeAll(async () => {
    await createTopics([{ name: topic, partitions: 3 }]);
    kafka = createKafkaClient({ brokers: stackEndpoints().brokers, clientId: uniqueName('lag-probe-int'), logger });
    admin = kafka.admin();
    await admin.connect();
    producer = createProducer({ kafka, logger });
    await producer.start();
    await producer.send(
      topic,
      Array.from({ length: 30 }, (_, i) => ({ key: `card-${i}`, value: Buffer.from(`{"i":${i}}`) })),
    );
  });

  afterAll(async () => {
    await producer?.close();
    await admin?.disconnect();
  });

  it('counts every record as lag for a group that never committed, per partition, from outside the consumer', async () => {
    const registry = new Registry();
    const group = uniqueName('never-committed');
    const probe = createConsumerLagProbe({ kafka, groupId: group, topics: [topic], registry, logger });
    await probe.probe();
    const lag = await series(registry, 'tw_kafka_consumer_lag', group);
    expect(Object.keys(lag).sort()).toEqual([`${topic}/0`, `${topic}/1`, `${topic}/2`]);
    expect(total(lag)).toBe(30);
    expect(total(await series(registry, 'tw_kafka_consumer_committed_offset', group))).toBe(0);

    // Commit partition 0 to its end through the admin API: only that partition's lag goes to zero.
    const [p0] = (await admin.fetchTopicOffsets(topic)).filter((p) => p.partition === 0);
    await setOffsets(kafka, { groupId: group, topic, partitions: [{ partition: 0, offset: p0!.high }] });
    await probe.probe();
    const after = await series(registry, 'tw_kafka_consumer_lag', group);
    expect(after[`${topic}/0`]).toBe(0);
    expect(total(after)).toBe(30 - Number(p0!.high));
    await probe.close();
    await probe.close();
  });

  it("follows a runner's group to zero, and shows lag growing while no member consumes", async () => {
    const registry = new Registry();
    const group = uniqueName('runner-lag');
    let handled = 0;
    const runner = createConsumerRunner({
      kafka,
      groupId: group,
      topics: [topic],
      logger,
      registry,
      decode: (m) => m.value,
      handle: async (records) => void (handled += records.length),
      deadLetters: createDeadLetterWriter({ producer, topic: `${topic}.dlq`, service: 'test', registry }),
      lagProbeIntervalMs: 200,
    });
    await runner.start();
    await waitUntil(() => handled >= 30, 30_000, 'the runner to handle 30 records');
    let lag: Record<string, number> = {};
    const deadline = Date.now() + 30_000;
    // kafkajs commits on an interval; the probe must see the group reach the high watermarks.
    while (Date.now() < deadline) {
      lag = await series(registry, 'tw_kafka_consumer_lag', group);
      if (Object.keys(lag).length === 3 && total(lag) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(total(lag)).toBe(0);
    expect(Object.keys(lag)).toHaveLength(3);
    await runner.close();

    // Nobody consumes now: a probe of the same group shows the new records as lag.
    await producer.send(
      topic,
      Array.from({ length: 12 }, (_, i) => ({ key: `late-${i}`, value: Buffer.from('{}') })),
    );
    const probe = createConsumerLagProbe({ kafka, groupId: group, topics: [topic], registry, logger });
    await probe.probe();
    expect(total(await series(registry, 'tw_kafka_consumer_lag', group))).toBe(12);
    await probe.close();
  });

  it("the cluster probe reports every group's lag, a group with no member left included", async () => {
    const group = uniqueName('cluster-probed');
    const [p1] = (await admin.fetchTopicOffsets(topic)).filter((p) => p.partition === 1);
    // A group that once consumed and whose members are all gone, as when its service is stopped.
    await setOffsets(kafka, { groupId: group, topic, partitions: [{ partition: 1, offset: String(Number(p1!.high) - 5) }] });
    const registry = new Registry();
    const probe = createClusterLagProbe({ kafka, registry, logger, groups: /^cluster-probed-/ });
    await probe.probe();
    expect(await series(registry, 'tw_kafka_consumer_lag', group)).toEqual({ [`${topic}/1`]: 5 });
    // Groups outside the pattern are not reported (the earlier tests' groups are in the cluster too).
    const groupsSeen = new Set((await registry.getSingleMetric('tw_kafka_consumer_lag')?.get())?.values.map((v) => v.labels['group']));
    expect([...groupsSeen]).toEqual([group]);
    await producer.send(
      topic,
      Array.from({ length: 40 }, (_, i) => ({ key: `more-${i}`, value: Buffer.from('{}') })),
    );
    await probe.probe();
    const grown = await series(registry, 'tw_kafka_consumer_lag', group);
    expect(grown[`${topic}/1`]).toBeGreaterThan(5);
    await probe.close();
  });

  it('counts a probe that cannot reach Kafka as a failure and keeps going', async () => {
    const registry = new Registry();
    const unreachable = createKafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'lag-probe-unreachable', retry: { retries: 0 } });
    const probe = createConsumerLagProbe({ kafka: unreachable, groupId: 'g', topics: [topic], registry, logger });
    await probe.probe();
    await probe.probe();
    const failures = await registry.getSingleMetric('tw_kafka_lag_probe_failures_total')?.get();
    expect(failures?.values).toEqual([expect.objectContaining({ labels: expect.objectContaining({ group: 'g' }), value: 2 })]);
    await probe.close();
  });
});
