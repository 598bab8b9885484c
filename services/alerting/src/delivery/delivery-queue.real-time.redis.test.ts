import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createDeliveryQueue } from './delivery-queue.js';
import { alert, eventually, memoryLogger, notification } from '../../test/delivery-fixtures.js';
import { startFakeWebhook, type FakeWebhook } from '../../test/fake-webhook.js';

// The one delivery test on real time: a fake Slack that rate-limits, fails, hangs and then accepts,
// checked from the server's side (receive timestamps), as Slack would see us.

const redisUrl = inject('redisUrl');
const keyPrefix = `test:delivery-rt:${randomUUID()}`;
let redis: Redis;
let slack: FakeWebhook;

beforeAll(async () => {
  redis = new Redis(redisUrl);
  slack = await startFakeWebhook();
});

afterAll(async () => {
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await slack.close();
});

/** The alert name a Slack message is about, read back from its fallback text. */
function alertnameOf(body: unknown): string {
  const text = (body as { text?: string }).text ?? '';
  return /(Alert\d)/.exec(text)?.[1] ?? '?';
}

describe('delivery to a misbehaving Slack webhook, in real time', () => {
  it('delivers each notification once, never two requests to the webhook less than 1 s apart', { timeout: 20_000 }, async () => {
    slack.script('/hooks/team', [
      { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } },
      { status: 500, body: 'internal_error' },
      'hang',
    ]);
    const delivered: string[] = [];
    const queue = createDeliveryQueue({
      redis,
      keyPrefix,
      receivers: new Map([['team', { type: 'slack', url: slack.url('/hooks/team'), timeoutMs: 500 }]]),
      logger: memoryLogger().logger,
      onParked: (n, error) => {
        throw new Error(`unexpected parking of ${n.id}: ${error.code}`);
      },
      onDelivered: (n) => delivered.push(n.id),
      minIntervalMsPerEndpoint: 1000,
      retry: { baseMs: 100, maxMs: 400 },
      leaseMs: 5000,
      pollIntervalMs: 20,
    });
    const ids = ['Alert1', 'Alert2', 'Alert3'];
    for (const name of ids) {
      await queue.enqueue(
        notification({
          id: name,
          groupKey: `group-${name}`,
          receiver: 'team',
          createdAt: Date.now(),
          alerts: [alert({ labels: { alertname: name, severity: 'warning' } })],
        }),
      );
    }
    queue.start();
    await eventually(() => delivered.length === 3, 15_000);
    await queue.close();

    const requests = slack.received.filter((r) => r.path === '/hooks/team');
    expect(requests.map((r) => r.answer)).toEqual([429, 500, 'hang', 200, 200, 200]);
    const accepted = requests.filter((r) => r.answer === 200).map((r) => alertnameOf(r.body));
    expect(accepted.sort()).toEqual(ids);
    expect(delivered.sort()).toEqual(ids);
    const gaps = requests.slice(1).map((r, i) => r.at - (requests[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000);
    // The hung request held the webhook for its 500 ms timeout before the interval started.
    expect(gaps[2]).toBeGreaterThanOrEqual(1500);
    expect(await queue.depth()).toBe(0);
  });
});
