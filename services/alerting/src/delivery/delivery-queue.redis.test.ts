import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, inject } from 'vitest';
import type { TidewaterError } from '@tidewater/errors';
import type { Notification } from '../notification.js';
import { createDeliveryQueue, type DeliveryQueueOptions } from './delivery-queue.js';
import type { ReceiverEndpoint } from './receiver-endpoint.js';
import { pagerDutyDedupKey } from './pagerduty-event.js';
import { alert, eventually, memoryLogger, notification } from '../../test/delivery-fixtures.js';
import { answers, slackStatusOf, startFakeWebhook, type FakeWebhook } from '../../test/fake-webhook.js';

// Fake time drives the queue (runDue(now)); the receiver is a real HTTP server and the state is in
// real Redis, so what is asserted is what a restart or a second replica would find.

const redisUrl = inject('redisUrl');
const t0 = Date.UTC(2025, 2, 1, 10, 1, 0);
let redis: Redis;
let receiver: FakeWebhook;
const prefixes: string[] = [];
const extraConnections: Redis[] = [];

beforeAll(async () => {
  redis = new Redis(redisUrl);
  receiver = await startFakeWebhook();
});

afterEach(async () => {
  for (const prefix of prefixes.splice(0)) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
});

afterAll(async () => {
  for (const c of extraConnections) c.disconnect();
  redis.disconnect();
  await receiver.close();
});

interface Harness {
  readonly delivered: { id: string; attempts: number; latencyMs: number }[];
  readonly parked: { id: string; error: TidewaterError }[];
  readonly lines: Record<string, unknown>[];
  readonly clock: { t: number; now(): number };
  make(overrides?: Partial<DeliveryQueueOptions>): ReturnType<typeof createDeliveryQueue>;
}

/** A queue factory on a fresh key prefix; every queue it makes shares the keys, like replicas do. */
function harness(receivers: Record<string, ReceiverEndpoint>): Harness {
  const keyPrefix = `test:delivery:${randomUUID()}`;
  prefixes.push(keyPrefix);
  const delivered: Harness['delivered'] = [];
  const parked: Harness['parked'] = [];
  const { logger, lines } = memoryLogger();
  const clock = {
    t: t0,
    now() {
      return this.t;
    },
  };
  return {
    delivered,
    parked,
    lines,
    clock,
    make: (overrides = {}) =>
      createDeliveryQueue({
        redis,
        keyPrefix,
        receivers: new Map(Object.entries(receivers)),
        logger,
        clock,
        random: () => 0.5,
        leaseMs: 10_000,
        onDelivered: (n, attempts, latencyMs) => delivered.push({ id: n.id, attempts, latencyMs }),
        onParked: (n, error) => {
          parked.push({ id: n.id, error });
        },
        ...overrides,
      }),
  };
}

const slack = (path: string, timeoutMs = 300): ReceiverEndpoint => ({ type: 'slack', url: receiver.url(path), timeoutMs });
const received = (path: string) => receiver.received.filter((r) => r.path === path);
/** A notification of its own group (one group's notifications replace each other; see the lane tests). */
const one = (id: string, extra: Partial<Notification> = {}) => notification({ id, groupKey: `group-${id}`, ...extra });
/** The same group's firing and resolved notifications. */
const firingOf = (id: string) => notification({ id, groupKey: 'the-group', alerts: [alert()] });
const resolvedOf = (id: string) =>
  notification({ id, groupKey: 'the-group', alerts: [alert({ status: 'resolved', ends_at: t0 })], createdAt: t0 });
const statusesAt = (path: string) => received(path).map((r) => `${slackStatusOf(r.body)}:${r.answer}`);

describe('createDeliveryQueue', () => {
  it('delivers a notification as a Slack message and forgets it', async () => {
    const h = harness({ 'team-ml': slack('/deliver') });
    const queue = h.make();
    await queue.enqueue(one('n-1'));
    expect(await queue.depth()).toBe(1);
    expect(await queue.runDue(t0)).toBe(1);
    expect(received('/deliver')).toHaveLength(1);
    expect(received('/deliver')[0]?.body).toMatchObject({ text: expect.stringContaining('ModelDriftDetected') });
    expect(h.delivered).toEqual([{ id: 'n-1', attempts: 1, latencyMs: t0 - one('n-1').createdAt }]);
    expect(await queue.depth()).toBe(0);
    expect(await queue.runDue(t0 + 60_000)).toBe(0);
  });

  it('stores an id once, and ignores it once delivered', async () => {
    const h = harness({ 'team-ml': slack('/dedupe') });
    const queue = h.make();
    await queue.enqueue(one('n-1'));
    await queue.enqueue(one('n-1'));
    expect(await queue.depth()).toBe(1);
    await queue.runDue(t0);
    await queue.enqueue(one('n-1'));
    expect(await queue.depth()).toBe(0);
    await queue.runDue(t0 + 60_000);
    expect(received('/dedupe')).toHaveLength(1);
  });

  it('retries a 5xx with exponential backoff and full jitter', async () => {
    const h = harness({ 'team-ml': slack('/flaky') });
    receiver.script('/flaky', [
      { status: 500, body: 'internal_error' },
      { status: 503, body: 'unavailable' },
      { status: 502, body: 'bad_gateway' },
    ]);
    const queue = h.make({ minIntervalMsPerEndpoint: 100, retry: { baseMs: 1000, maxMs: 60_000 } });
    await queue.enqueue(one('n-1'));
    // random() = 0.5: waits of 500, 1000, 2000 ms after the 1st, 2nd, 3rd failure.
    expect(await queue.runDue(t0)).toBe(1);
    expect(await queue.runDue(t0 + 499)).toBe(0);
    expect(await queue.runDue(t0 + 500)).toBe(1);
    expect(await queue.runDue(t0 + 1499)).toBe(0);
    expect(await queue.runDue(t0 + 1500)).toBe(1);
    expect(await queue.runDue(t0 + 3499)).toBe(0);
    expect(await queue.runDue(t0 + 3500)).toBe(1);
    expect(h.delivered).toMatchObject([{ id: 'n-1', attempts: 4 }]);
    expect(received('/flaky').map((r) => r.answer)).toEqual([500, 503, 502, 200]);
  });

  it("waits a 429's Retry-After when it is longer than the backoff, for that endpoint's other notifications too", async () => {
    const h = harness({ 'team-ml': slack('/limited') });
    receiver.script('/limited', [{ status: 429, body: 'rate_limited', headers: { 'retry-after': '5' } }]);
    const queue = h.make({ retry: { baseMs: 100 } });
    await queue.enqueue(one('n-1'));
    await queue.enqueue(one('n-2'));
    expect(await queue.runDue(t0)).toBe(1);
    expect(await queue.runDue(t0 + 4999)).toBe(0);
    expect(await queue.runDue(t0 + 5000)).toBe(1);
    expect(await queue.runDue(t0 + 6000)).toBe(1);
    expect(h.delivered.map((d) => d.id).sort()).toEqual(['n-1', 'n-2']);
    expect(received('/limited')).toHaveLength(3);
  });

  it('sends to one endpoint at most once per interval, across replicas, while other endpoints go on', async () => {
    const h = harness({ 'team-ml': slack('/paced'), other: slack('/other') });
    const a = h.make();
    const b = h.make();
    await a.enqueue(one('n-1'));
    await a.enqueue(one('n-2'));
    await b.enqueue(one('o-1', { receiver: 'other' }));
    expect(await a.runDue(t0)).toBe(2);
    expect(received('/other')).toHaveLength(1);
    // n-2 waits for the slot whichever replica looks.
    expect(await b.runDue(t0 + 500)).toBe(0);
    expect(await a.runDue(t0 + 999)).toBe(0);
    await b.enqueue(one('n-3'));
    expect(await b.runDue(t0 + 1000)).toBe(1);
    expect(await a.runDue(t0 + 1999)).toBe(0);
    expect(await a.runDue(t0 + 2000)).toBe(1);
    expect(received('/paced')).toHaveLength(3);
    expect(await a.depth()).toBe(0);
  });

  it('parks permanent refusals with the receiver answer, and does not take them again', async () => {
    const h = harness({ 'team-ml': slack('/invalid'), gone: slack('/gone') });
    receiver.script('/invalid', [{ status: 400, body: 'invalid_payload' }]);
    receiver.script('/gone', [{ status: 404, body: 'no_service' }]);
    const queue = h.make();
    await queue.enqueue(one('n-1'));
    await queue.enqueue(one('n-2', { receiver: 'gone' }));
    expect(await queue.runDue(t0)).toBe(2);
    const byId = Object.fromEntries(h.parked.map((p) => [p.id, p.error]));
    expect(byId['n-1']).toMatchObject({
      code: 'TW_ALERT_RECEIVER_REJECTED',
      retriable: false,
      details: { status: 400, body: 'invalid_payload' },
    });
    expect(byId['n-2']).toMatchObject({ code: 'TW_ALERT_RECEIVER_REJECTED', details: { status: 404, body: 'no_service' } });
    expect(await queue.depth()).toBe(0);
    await queue.enqueue(one('n-1'));
    expect(await queue.depth()).toBe(0);
    expect(h.lines.filter((l) => l['msg'] === 'notification parked')).toHaveLength(2);
  });

  it('parks a notification as exhausted after maxAttempts retriable failures', async () => {
    const h = harness({ 'team-ml': slack('/down') });
    receiver.script(
      '/down',
      Array.from({ length: 3 }, () => ({ status: 503, body: 'down' })),
    );
    const queue = h.make({ retry: { baseMs: 10, maxMs: 10, maxAttempts: 3 }, minIntervalMsPerEndpoint: 10 });
    await queue.enqueue(one('n-1'));
    for (let i = 0; i < 3; i++) await queue.runDue(t0 + i * 1000);
    expect(h.parked).toHaveLength(1);
    expect(h.parked[0]?.error).toMatchObject({
      code: 'TW_ALERT_DELIVERY_EXHAUSTED',
      details: { attempts: 3 },
      cause: { code: 'TW_ALERT_RECEIVER_UNAVAILABLE' },
    });
    expect(await queue.depth()).toBe(0);
  });

  it('keeps a notification whose parking failed, and parks it on a later pass', async () => {
    const h = harness({ 'team-ml': slack('/refuses') });
    receiver.script('/refuses', [
      { status: 400, body: 'invalid_payload' },
      { status: 400, body: 'invalid_payload' },
    ]);
    let failParking = true;
    const parked: string[] = [];
    const queue = h.make({
      onParked: (n) => {
        if (failParking) throw new Error('dead-letter topic unavailable');
        parked.push(n.id);
      },
    });
    await queue.enqueue(one('n-1'));
    await queue.runDue(t0);
    expect(await queue.depth()).toBe(1);
    failParking = false;
    await queue.runDue(t0 + 60_000);
    expect(parked).toEqual(['n-1']);
    expect(await queue.depth()).toBe(0);
  });

  it('refuses a notification for an unknown receiver, and parks a queued one whose receiver went away', async () => {
    const h = harness({ 'team-ml': slack('/x') });
    const queue = h.make();
    await expect(queue.enqueue(one('n-1', { receiver: 'nobody' }))).rejects.toMatchObject({ code: 'TW_ALERT_RECEIVER_UNKNOWN' });
    await queue.enqueue(one('n-2'));
    const reconfigured = createDeliveryQueue({
      redis,
      keyPrefix: prefixes.at(-1) ?? '',
      receivers: new Map(),
      logger: memoryLogger().logger,
      onParked: (n, error) => {
        h.parked.push({ id: n.id, error });
      },
    });
    await reconfigured.runDue(t0);
    expect(h.parked).toMatchObject([{ id: 'n-2', error: { code: 'TW_ALERT_RECEIVER_UNKNOWN' } }]);
  });

  it('refuses visibly when full: an error code, a log line and a metric', async () => {
    const h = harness({ 'team-ml': slack('/full') });
    const metrics = new Registry();
    const queue = h.make({ maxLength: 2, metrics });
    await queue.enqueue(one('n-1'));
    await queue.enqueue(one('n-2'));
    await expect(queue.enqueue(one('n-3'))).rejects.toMatchObject({
      code: 'TW_ALERT_DELIVERY_QUEUE_FULL',
      retriable: true,
      details: { depth: 2 },
    });
    expect(h.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'delivery queue full: notification refused', notificationId: 'n-3' }),
    );
    const text = await metrics.metrics();
    expect(text).toContain('tw_alerting_delivery_enqueued_total{result="full"} 1');
    expect(text).toContain('tw_alerting_delivery_queue_depth 2');
    await queue.runDue(t0);
    await queue.enqueue(one('n-3'));
    expect(await queue.depth()).toBe(2);
  });

  it('sends PagerDuty events and Alertmanager webhook bodies to those receivers', async () => {
    const h = harness({
      pager: { type: 'pagerduty', url: receiver.url('/pd'), routingKey: 'R0UTING', timeoutMs: 300 },
      hook: { type: 'webhook', url: receiver.url('/hook'), headers: { authorization: 'Bearer t0ken' }, timeoutMs: 300 },
    });
    const queue = h.make();
    await queue.enqueue(one('p-1', { receiver: 'pager' }));
    await queue.enqueue(one('w-1', { receiver: 'hook' }));
    expect(await queue.runDue(t0)).toBe(2);
    expect(received('/pd')[0]?.body).toMatchObject({
      routing_key: 'R0UTING',
      event_action: 'trigger',
      dedup_key: pagerDutyDedupKey(one('p-1').groupKey),
    });
    expect(received('/hook')[0]?.body).toMatchObject({
      version: '4',
      receiver: 'hook',
      status: 'firing',
      alerts: [{ fingerprint: 'a42ff5439665070a' }],
    });
  });

  it('refuses a lease shorter than a receiver timeout', () => {
    const h = harness({ 'team-ml': slack('/x', 20_000) });
    expect(() => h.make({ leaseMs: 10_000 })).toThrow(/leaseMs/);
  });
});

describe('createDeliveryQueue, one group at a time and in order', () => {
  it('sends the group as it is now: a resolve replaces a firing notification that was not delivered', async () => {
    const h = harness({ 'team-ml': slack('/replace') });
    receiver.script('/replace', [answers.serverError(503)]);
    const queue = h.make();
    await queue.enqueue(firingOf('fire'));
    expect(await queue.runDue(t0)).toBe(1);
    // The firing one waits to be retried when the group resolves.
    await queue.enqueue(resolvedOf('resolve'));
    expect(await queue.depth()).toBe(1);
    expect(await queue.runDue(t0 + 1000)).toBe(1);
    expect(await queue.runDue(t0 + 120_000)).toBe(0);
    expect(statusesAt('/replace')).toEqual(['firing:503', 'resolved:200']);
    expect(h.delivered.map((d) => d.id)).toEqual(['resolve']);
    // The replaced id is remembered: the dispatcher redoing that flush does not queue it again.
    await queue.enqueue(firingOf('fire'));
    expect(await queue.depth()).toBe(0);
    expect(h.lines).toContainEqual(
      expect.objectContaining({ msg: expect.stringContaining('replaces an unsent one'), notificationId: 'resolve' }),
    );
  });

  it('holds a newer notification of the group behind one being sent, and sends it after', async () => {
    const h = harness({ 'team-ml': slack('/follow', 2000) });
    receiver.script('/follow', [answers.slowOk(300)]);
    const a = h.make();
    const b = h.make();
    await a.enqueue(firingOf('fire'));
    const sending = a.runDue(t0);
    await receiver.waitFor((r) => r.path === '/follow', 2000);
    // Another replica flushes the group meanwhile: the resolve waits, it does not go out in parallel.
    await b.enqueue(resolvedOf('resolve'));
    expect(await b.runDue(t0 + 100)).toBe(0);
    expect(await sending).toBe(1);
    expect(await b.runDue(t0 + 1000)).toBe(1);
    expect(statusesAt('/follow')).toEqual(['firing:200', 'resolved:200']);
    expect(h.delivered.map((d) => d.id)).toEqual(['fire', 'resolve']);
  });

  it('lets the waiting notification take the place of the one being sent when that send fails', async () => {
    const h = harness({ 'team-ml': slack('/fail-behind', 300) });
    receiver.script('/fail-behind', [answers.hang()]);
    const queue = h.make({ retry: { baseMs: 1000 } });
    await queue.enqueue(firingOf('fire'));
    const sending = queue.runDue(t0);
    await receiver.waitFor((r) => r.path === '/fail-behind', 2000);
    await queue.enqueue(resolvedOf('resolve'));
    expect(await queue.depth()).toBe(2);
    await sending;
    expect(await queue.depth()).toBe(1);
    // It takes the failed one's retry time (random() = 0.5: 500 ms after the first failure).
    expect(await queue.runDue(t0 + 499)).toBe(0);
    expect(await queue.runDue(t0 + 1000)).toBe(1);
    expect(statusesAt('/fail-behind')).toEqual(['firing:hang', 'resolved:200']);
    expect(h.delivered.map((d) => d.id)).toEqual(['resolve']);
  });
});

describe('createDeliveryQueue across a restart', () => {
  it('delivers what a stopped instance enqueued exactly once', async () => {
    const h = harness({ 'team-ml': slack('/restart') });
    const before = h.make();
    await before.enqueue(one('n-1'));
    await before.enqueue(one('n-2'));
    const after = h.make();
    await after.runDue(t0);
    await after.runDue(t0 + 1000);
    await before.runDue(t0 + 2000);
    expect(received('/restart')).toHaveLength(2);
    expect(h.delivered.map((d) => d.id).sort()).toEqual(['n-1', 'n-2']);
  });

  it('sends again, once, what an instance died sending (the receiver never answered it)', async () => {
    const h = harness({ 'team-ml': slack('/crash') });
    receiver.script('/crash', ['hang']);
    const dying = new Redis(redisUrl);
    extraConnections.push(dying);
    const crashed = createDeliveryQueue({
      redis: dying,
      keyPrefix: prefixes.at(-1) ?? '',
      receivers: new Map([['team-ml', slack('/crash')]]),
      logger: memoryLogger().logger,
      clock: h.clock,
      leaseMs: 10_000,
      onParked: () => undefined,
    });
    await crashed.enqueue(one('n-1', { alerts: [alert({ labels: { alertname: 'CrashTest', severity: 'warning' } })] }));
    const inFlight = crashed.runDue(t0);
    await eventually(() => received('/crash').length === 1);
    // The process "dies" mid-send: its Redis connection is gone, so it can neither ack nor reschedule.
    dying.disconnect();
    await inFlight;
    const restarted = h.make();
    expect(await restarted.runDue(t0 + 9_999)).toBe(0);
    expect(await restarted.runDue(t0 + 10_000)).toBe(1);
    expect(await restarted.runDue(t0 + 60_000)).toBe(0);
    expect(received('/crash').map((r) => r.answer)).toEqual(['hang', 200]);
    expect(h.delivered).toEqual([{ id: 'n-1', attempts: 1, latencyMs: t0 + 10_000 - one('n-1').createdAt }]);
  });
});

describe('createDeliveryQueue lifecycle', () => {
  it('close() waits for a send in flight and is the same promise every time', async () => {
    const h = harness({ 'team-ml': slack('/slow', 500) });
    receiver.script('/slow', ['hang']);
    const queue = h.make({ clock: { now: () => Date.now() }, pollIntervalMs: 10 });
    await queue.enqueue(one('n-1'));
    queue.start();
    await eventually(() => received('/slow').length === 1);
    const closed = queue.close();
    expect(queue.close()).toBe(closed);
    await closed;
    // The send timed out while close() waited, and the retry was written down before it resolved.
    expect(h.lines).toContainEqual(expect.objectContaining({ msg: 'delivery failed; will retry', notificationId: 'n-1' }));
    expect(await queue.depth()).toBe(1);
  });
});
