import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackCapture } from '@tidewater/dev-stack';
import { createAvroEncoder, createProducer } from '@tidewater/kafka';
import { alertFingerprint, loadSchema, type Alert } from '@tidewater/schemas';
import { createTopics, type RunningService, runService, stackEndpoints, testKafka, uniqueName } from '@tidewater/test-support';

/**
 * Issue 7's durability promise: an alert the service has taken from Kafka but not yet delivered
 * survives the process being killed (SIGKILL, no shutdown code runs), and is delivered exactly once
 * after a restart.
 */
async function encodeAlert(topic: string, labels: Record<string, string>): Promise<{ key: string; value: Buffer }> {
  const registry = new SchemaRegistryClient({ baseURLs: [stackEndpoints().registryUrl] });
  const value = await createAvroEncoder<Alert>({ registry, subject: `${topic}-value`, schema: loadSchema('alert'), autoRegister: true });
  const alert: Alert = {
    fingerprint: alertFingerprint(labels),
    status: 'firing',
    labels,
    annotations: {
      summary: 'fraud-demo v1: inputs drifted',
      description: 'amount: PSI 2.1 >= 0.2',
      runbook_url: 'https://runbooks.example/#drift',
    },
    starts_at: Date.now(),
    ends_at: null,
    source: 'test',
    generator_url: null,
  };
  return { key: alert.fingerprint, value: value.encode(alert) };
}

describe('alerting survives a kill between receiving and delivering', () => {
  const prefix = uniqueName('alerting-kill');
  const topics = { TOPIC_ALERTS: `${prefix}.alerts`, TOPIC_ALERTS_DLQ: `${prefix}.alerts.dlq` };
  const slack = createSlackCapture({ captureFile: join(tmpdir(), `${prefix}-slack.jsonl`) });
  const redis = new Redis(stackEndpoints().redisUrl);
  const running: RunningService[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    const ep = stackEndpoints();
    await createTopics([
      { name: topics.TOPIC_ALERTS, partitions: 3 },
      { name: topics.TOPIC_ALERTS_DLQ, partitions: 1 },
    ]);
    await slack.listen({ host: '127.0.0.1', port: 0 });
    const address = slack.server.address();
    const slackPort = typeof address === 'object' && address ? address.port : 0;
    const configFile = join(tmpdir(), `${prefix}-routing.yaml`);
    // group_wait long enough to kill the process after it took the alert and before it notifies.
    writeFileSync(
      configFile,
      [
        'route: { receiver: slack, group_by: [alertname, model], group_wait: 4s, group_interval: 30s, repeat_interval: 1h }',
        'receivers: [{ name: slack, slack_configs: [{ webhook_url_env: SLACK_WEBHOOK_URL, send_resolved: true }] }]',
      ].join('\n'),
    );
    env = {
      ...topics,
      KAFKA_BROKERS: ep.brokers.join(','),
      SCHEMA_REGISTRY_URL: ep.registryUrl,
      REDIS_URL: ep.redisUrl,
      REDIS_KEY_PREFIX: `${prefix}:`,
      SLACK_WEBHOOK_URL: `http://127.0.0.1:${slackPort}/`,
      ALERTING_CONFIG_FILE: configFile,
      ALERTING_TICK_MS: '200',
      CONSUMER_GROUP: `${prefix}-alerting`,
    };
  }, 60_000);

  afterAll(async () => {
    for (const s of running) await s.stop();
    await slack.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('delivers the alert once after a restart', async () => {
    const first = await runService('alerting', env);
    running.push(first);

    const labels = { alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '1', severity: 'warning' };
    const message = await encodeAlert(topics.TOPIC_ALERTS, labels);
    const producer = createProducer({ kafka: testKafka() });
    await producer.start();
    await producer.send(topics.TOPIC_ALERTS, [message]);
    await producer.close();

    // Taken from Kafka once its group is scheduled in Redis; then kill before group_wait ends.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await redis.zcard(`${prefix}:groups:due`)) === 0) await sleep(50);
    expect(await redis.zcard(`${prefix}:groups:due`)).toBe(1);
    // Wait for the offset commit, so a restart cannot get the alert again from Kafka: it must come from Redis.
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const committed = async () => {
        const [t] = await admin.fetchOffsets({ groupId: env['CONSUMER_GROUP']!, topics: [topics.TOPIC_ALERTS] });
        return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      };
      while (Date.now() < deadline && (await committed()) < 1) await sleep(50);
      expect(await committed()).toBe(1);
    } finally {
      await admin.disconnect();
    }
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const messages = async () => (await slack.inject('/messages')).json<{ text: string }[]>();
    expect(await messages()).toHaveLength(0);

    running.push(await runService('alerting', env));
    while (Date.now() < deadline + 20_000 && (await messages()).length === 0) await sleep(100);
    // Sentinel: an alert of another group, sent once the first was delivered. It reaches Slack after
    // its own group_wait (4 s, some 20 ticks), so a duplicate of the first would be there before it.
    const sentinel = await encodeAlert(topics.TOPIC_ALERTS, { ...labels, alertname: 'DurabilitySentinel' });
    const sentinelProducer = createProducer({ kafka: testKafka() });
    await sentinelProducer.start();
    await sentinelProducer.send(topics.TOPIC_ALERTS, [sentinel]);
    await sentinelProducer.close();
    const sentinelSeen = async () => (await messages()).some((m) => m.text.includes('DurabilitySentinel'));
    while (Date.now() < deadline + 40_000 && !(await sentinelSeen())) await sleep(100);
    const texts = (await messages()).map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain('ModelDriftDetected');
    expect(texts[1]).toContain('DurabilitySentinel');
  }, 90_000);
});

describe('alerting parks what a receiver refuses for good, and says so', () => {
  const prefix = uniqueName('alerting-park');
  const topics = { TOPIC_ALERTS: `${prefix}.alerts`, TOPIC_ALERTS_DLQ: `${prefix}.alerts.dlq` };
  // A Slack webhook that was deleted: Slack answers 404 no_service.
  const deadSlack = Fastify();
  deadSlack.post('/', async (_req, reply) => reply.code(404).type('text/plain').send('no_service'));
  let service: RunningService | undefined;
  const redis = new Redis(stackEndpoints().redisUrl);

  afterAll(async () => {
    await service?.stop();
    await deadSlack.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('puts the notification on alerts.dlq with the reason and raises AlertDeliveryFailed', async () => {
    const ep = stackEndpoints();
    await createTopics([
      { name: topics.TOPIC_ALERTS, partitions: 3 },
      { name: topics.TOPIC_ALERTS_DLQ, partitions: 1 },
    ]);
    await deadSlack.listen({ host: '127.0.0.1', port: 0 });
    const address = deadSlack.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const configFile = join(tmpdir(), `${prefix}-routing.yaml`);
    writeFileSync(
      configFile,
      [
        'route: { receiver: slack, group_by: [alertname], group_wait: 0s, group_interval: 30s, repeat_interval: 1h }',
        'receivers: [{ name: slack, slack_configs: [{ webhook_url_env: SLACK_WEBHOOK_URL, send_resolved: true }] }]',
      ].join('\n'),
    );
    const tap = testKafka().consumer({ groupId: `${prefix}-tap`, sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 500 });
    const seen: { topic: string; headers: Record<string, string>; value: Buffer }[] = [];
    await tap.connect();
    await tap.subscribe({ topics: [topics.TOPIC_ALERTS, topics.TOPIC_ALERTS_DLQ], fromBeginning: true });
    await tap.run({
      eachMessage: async ({ topic, message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        seen.push({ topic, headers, value: message.value ?? Buffer.alloc(0) });
      },
    });
    service = await runService('alerting', {
      ...topics,
      KAFKA_BROKERS: ep.brokers.join(','),
      SCHEMA_REGISTRY_URL: ep.registryUrl,
      REDIS_URL: ep.redisUrl,
      REDIS_KEY_PREFIX: `${prefix}:`,
      SLACK_WEBHOOK_URL: `http://127.0.0.1:${port}/`,
      ALERTING_CONFIG_FILE: configFile,
      ALERTING_TICK_MS: '200',
      CONSUMER_GROUP: `${prefix}-alerting`,
    });
    const producer = createProducer({ kafka: testKafka() });
    await producer.start();
    await producer.send(topics.TOPIC_ALERTS, [
      await encodeAlert(topics.TOPIC_ALERTS, { alertname: 'ModelDriftDetected', model: 'fraud-demo' }),
    ]);
    await producer.close();

    const deadline = Date.now() + 30_000;
    const parked = () => seen.filter((m) => m.topic === topics.TOPIC_ALERTS_DLQ);
    // The original alert, then AlertDeliveryFailed on the alerts topic (whose own notification is parked too, without a further alert).
    try {
      while (Date.now() < deadline && (parked().length < 2 || seen.filter((m) => m.topic === topics.TOPIC_ALERTS).length < 2))
        await sleep(100);
      await sleep(2000); // a loop would add records by now (ticks every 200 ms)
    } finally {
      await tap.disconnect();
    }
    expect(parked().length).toBe(2);
    expect(parked()[0]!.headers['tw.error.code']).toBe('TW_ALERT_RECEIVER_REJECTED');
    expect(parked()[0]!.headers['tw.error.message']).toContain('no_service');
    const notification = JSON.parse(parked()[0]!.value.toString()) as { alerts: Alert[] };
    expect(notification.alerts[0]!.labels['alertname']).toBe('ModelDriftDetected');
    const raised = seen.filter((m) => m.topic === topics.TOPIC_ALERTS);
    expect(raised).toHaveLength(2); // ours, and AlertDeliveryFailed: no loop
    // alerts has 3 partitions, so the two records may be read in either order.
    const names = raised.map((m) => (m.value.toString('latin1').includes('AlertDeliveryFailed') ? 'AlertDeliveryFailed' : 'original'));
    expect(names.sort()).toEqual(['AlertDeliveryFailed', 'original']);
  }, 60_000);
});
