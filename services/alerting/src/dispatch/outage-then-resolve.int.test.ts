import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '@tidewater/schemas';
import { stackEndpoints } from '@tidewater/test-support';
import { slackStatusOf, startFakeWebhook, type FakeWebhook } from '../../test/fake-webhook.js';
import { createDeliveryQueue } from '../delivery/index.js';
import { memoryLogger } from '../../test/delivery-fixtures.js';
import type { Notification } from '../notification.js';
import { createDispatcher } from './dispatcher.js';
import { createGroupState } from './group-state.js';

/**
 * Issue 21, fault 2: with the webhook refusing connections, a resolve queued while the firing
 * notification sat in backoff went out first, and the channel's last word was a stale FIRING.
 * Dispatcher and delivery queue wired as the app wires them, on real time and real Redis: the
 * webhook refuses, the alert fires, resolves during the outage, and the webhook comes back. The
 * group's notifications must reach the channel in order, ending with RESOLVED (the resolve
 * replaces the undelivered firing: the group is sent as it is now).
 */

let redis: Redis;
let webhook: FakeWebhook;
const prefix = `test:outage-then-resolve:${randomUUID()}:`;

beforeAll(async () => {
  redis = new Redis(stackEndpoints().redisUrl);
  webhook = await startFakeWebhook();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await webhook.close();
});

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs`, saying what it waited for. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function driftAlert(status: 'firing' | 'resolved'): Alert {
  const now = Date.now();
  return {
    fingerprint: 'outage-then-resolve',
    status,
    labels: { alertname: 'ModelDriftDetected', model: 'fraud-demo', severity: 'critical' },
    annotations: { summary: 'fraud-demo drifted', runbook_url: 'https://runbooks.example/drift' },
    starts_at: now - 60_000,
    ends_at: status === 'resolved' ? now : null,
    source: 'test',
    generator_url: null,
  };
}

describe('a group that fires and resolves while its webhook refuses connections', () => {
  it('never lets the resolve precede the firing: the channel ends on RESOLVED', async () => {
    const { logger, lines } = memoryLogger();
    const dueKey = `${prefix}delivery:due`;
    const queue = createDeliveryQueue({
      redis,
      keyPrefix: `${prefix}delivery:`,
      receivers: new Map([['oncall', { type: 'slack', url: webhook.url('/oncall'), timeoutMs: 1000 }]]),
      logger,
      onParked: (n, err) => {
        throw new Error(`unexpected parking of ${n.id}: ${err.code}`);
      },
      // Deterministic jitter: the firing one's backoff grows with its attempts, so on the old queue
      // the newer resolve, with fewer attempts, is always due first once the webhook is back.
      random: () => 0.9,
      retry: { baseMs: 500, maxMs: 4000 },
    });
    const groups = createGroupState(redis, `${prefix}groups:`);
    const enqueued: Notification[] = [];
    const dispatcher = createDispatcher({
      groups,
      route: () => [
        {
          routeId: '0',
          receiver: 'oncall',
          groupId: '0:{alertname="ModelDriftDetected",model="fraud-demo"}',
          groupKey: '{}:{alertname="ModelDriftDetected", model="fraud-demo"}',
          groupLabels: { alertname: 'ModelDriftDetected', model: 'fraud-demo' },
          groupWaitMs: 0,
          groupIntervalMs: 1000,
          repeatIntervalMs: 3_600_000,
        },
      ],
      muting: { silencedBy: () => [], inhibited: () => false, usesFiringAlerts: false },
      sendResolved: () => true,
      enqueue: async (n) => {
        enqueued.push(n);
        await queue.enqueue(n);
      },
      clock: { now: () => Date.now() },
      owner: 'test',
    });
    let ticking = Promise.resolve(0);
    const ticker = setInterval(() => {
      ticking = ticking.then(() => dispatcher.tick()).catch(() => 0);
    }, 100);
    queue.start();
    try {
      await webhook.refuse();
      let acceptedAt = 0;
      try {
        await dispatcher.ingest(driftAlert('firing'));
        const failures = () => lines.filter((l) => l['msg'] === 'delivery failed; will retry').length;
        await until('the firing notification failed twice', () => failures() >= 2, 10_000);
        await dispatcher.ingest(driftAlert('resolved'));
        await until('the group flushed its resolve', () => enqueued.some((n) => n.status === 'resolved'), 10_000);
        // The outage lasts until the resolve is due before the firing notification's next retry, as
        // it went in the report (30 s there): the firing one has failed more often, so it backs off
        // longer. (Where the resolve replaced it, the firing one is no longer queued at all.)
        const firingId = enqueued[0]!.id;
        const resolvedId = enqueued.find((n) => n.status === 'resolved')!.id;
        await until(
          'the resolve is due well before the firing retry',
          async () => {
            const [firingDue, resolvedDue] = await Promise.all([redis.zscore(dueKey, firingId), redis.zscore(dueKey, resolvedId)]);
            return resolvedDue !== null && (firingDue === null || Number(resolvedDue) + 1000 < Number(firingDue));
          },
          20_000,
        );
      } finally {
        await webhook.accept();
        acceptedAt = Date.now();
      }
      await until(
        'the queue drained and the group was deleted',
        async () => (await queue.depth()) === 0 && (await groups.groupCount()) === 0,
        30_000,
      );

      const accepted = webhook.requests('/oncall').filter((r) => r.answer === 200);
      const statuses = accepted.map((r) => slackStatusOf(r.body));
      console.info(`after the outage the channel got: ${statuses.join(', ')}`);
      expect(statuses.at(-1)).toBe('resolved');
      const firstResolved = statuses.indexOf('resolved');
      expect(statuses.slice(firstResolved)).not.toContain('firing');
      // What we chose (README): the resolve replaced the firing notification that never went out.
      expect(statuses).toEqual(['resolved']);
      expect(lines).toContainEqual(expect.objectContaining({ msg: expect.stringContaining('replaces an unsent one') }));
      // Soon after the webhook is back: a backoff ceiling, an endpoint interval, a poll, and margin.
      expect(accepted.at(-1)!.at - acceptedAt).toBeLessThan(4000 + 1000 + 250 + 1000);
    } finally {
      clearInterval(ticker);
      await ticking;
      await queue.close();
    }
  }, 60_000);
});
