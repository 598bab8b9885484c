import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@tidewater/dev-stack';
import { stackEndpoints, uniqueName } from '@tidewater/test-support';
import { startAlertingProcess, type AlertingProcess } from '../test/alerting-process.js';
import { startFakeWebhook, type FakeWebhook } from '../test/fake-webhook.js';
import { createDeliveryQueue } from './delivery/index.js';
import { alert, memoryLogger, notification } from '../test/delivery-fixtures.js';
import { createGroupState } from './dispatch/group-state.js';

/**
 * Issue 21, fault 3: nothing was delivered until the Kafka consumer had joined its group, and with
 * Kafka unreachable at boot the notifications already queued in Redis were not sent at all. Here
 * alerting boots against a Kafka address where nothing listens, with one notification queued in
 * Redis and one group due to flush, and both must reach the webhook; /readyz must say what is not
 * ready (the alerts consumer) while Redis is.
 */
describe('alerting with Kafka unreachable at boot', () => {
  const prefix = uniqueName('alerting-no-kafka');
  const redis = new Redis(stackEndpoints().redisUrl);
  let webhook: FakeWebhook;
  let service: AlertingProcess | undefined;

  beforeAll(async () => {
    webhook = await startFakeWebhook();
  });

  afterAll(async () => {
    await service?.stop();
    await webhook.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('delivers what Redis holds, and says the consumer is not ready', async () => {
    const hook = webhook.url('/hooks/oncall');
    // What an earlier run left: a notification in the delivery queue, and a group due to flush.
    const queue = createDeliveryQueue({
      redis,
      keyPrefix: `${prefix}:delivery:`,
      receivers: new Map([['slack/slack/0', { type: 'slack', url: hook }]]),
      logger: memoryLogger().logger,
      onParked: () => undefined,
    });
    await queue.enqueue(
      notification({
        id: 'queued-before-restart',
        receiver: 'slack/slack/0',
        groupKey: '0:{alertname="QueuedBeforeRestart"}',
        createdAt: Date.now(),
        alerts: [alert({ fingerprint: 'q1', labels: { alertname: 'QueuedBeforeRestart', severity: 'critical' } })],
      }),
    );
    const groups = createGroupState(redis, `${prefix}:groups:`);
    await groups.upsert(
      {
        key: '0:{alertname="DueBeforeRestart"}',
        routeId: '0',
        receiver: 'slack',
        groupLabels: { alertname: 'DueBeforeRestart' },
        groupIntervalMs: 60_000,
        repeatIntervalMs: 3_600_000,
      },
      alert({ fingerprint: 'd1', labels: { alertname: 'DueBeforeRestart', severity: 'warning' }, starts_at: Date.now() }),
      Date.now(),
    );

    const configFile = join(tmpdir(), `${prefix}-routing.yaml`);
    writeFileSync(
      configFile,
      [
        'route: { receiver: slack, group_by: [alertname], group_wait: 0s, group_interval: 1m, repeat_interval: 1h }',
        `receivers: [{ name: slack, slack_configs: [{ webhook_url: "${hook}", send_resolved: true }] }]`,
      ].join('\n'),
    );
    // A loopback port nothing listens on: every connection to "Kafka" is refused.
    const deadKafka = `127.0.0.1:${await freePort()}`;
    service = await startAlertingProcess(
      {
        KAFKA_BROKERS: deadKafka,
        SCHEMA_REGISTRY_URL: stackEndpoints().registryUrl,
        REDIS_URL: stackEndpoints().redisUrl,
        REDIS_KEY_PREFIX: `${prefix}:`,
        TOPIC_ALERTS: `${prefix}.alerts`,
        TOPIC_ALERTS_DLQ: `${prefix}.alerts.dlq`,
        CONSUMER_GROUP: `${prefix}-alerting`,
        ALERTING_CONFIG_FILE: configFile,
        ALERTING_TICK_MS: '200',
        SHUTDOWN_TIMEOUT_MS: '5000',
      },
      // Up and answering its liveness probe while Kafka is down (before, boot failed once kafkajs
      // gave up connecting). Generous: tsx compiling main.ts on a busy 2-core machine took 18 s.
      45_000,
    );

    const textOf = (body: unknown) => String((body as { text?: unknown }).text);
    // Both within seconds of the HTTP server answering (a tick, a poll and the 1 s endpoint interval).
    const [queued, flushed] = await Promise.all([
      webhook.waitFor((r) => textOf(r.body).includes('QueuedBeforeRestart'), 15_000),
      webhook.waitFor((r) => textOf(r.body).includes('DueBeforeRestart'), 15_000),
    ]);
    const after = (at: number) => `${at - service!.spawnedAt} ms after spawn, ${at - service!.listeningAt} ms after it listened`;
    console.info(`Kafka down: queued notification delivered ${after(queued.at)}; due group ${after(flushed.at)}`);
    expect(queued.answer).toBe(200);
    expect(flushed.answer).toBe(200);
    // A poll and a send; a tick, a poll and the endpoint's 1 s interval after the first message; plus margin.
    expect(queued.at - service.listeningAt).toBeLessThan(3000);
    expect(flushed.at - service.listeningAt).toBeLessThan(5000);

    const ready = await service.readiness();
    expect(ready.status).toBe(503);
    expect(ready.body.checks['redis']?.ok).toBe(true);
    expect(ready.body.checks['alerts-consumer']).toMatchObject({
      ok: false,
      error: expect.stringMatching(/cannot reach Kafka yet|has not joined/),
    });
    expect(ready.body.checks['kafka']?.ok).toBe(false);

    // It still stops cleanly (within the shutdown deadline) while the consumer keeps trying to connect.
    const stoppedAt = Date.now();
    expect(await service.stop(15_000)).not.toBeNull();
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    service = undefined;
  }, 90_000);
});
