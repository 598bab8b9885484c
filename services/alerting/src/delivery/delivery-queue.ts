import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { TidewaterError } from '@tidewater/errors';
import type { Logger } from '@tidewater/logging';
import { alertingErrors } from '../errors.js';
import { systemClock, type Clock, type Notification } from '../notification.js';
import { maxRetryAfterMs, retryDelayMs, type RetryPolicy } from './backoff.js';
import { createDeliveryMetrics } from './delivery-metrics.js';
import { createQueueStore, type QueuedItem } from './queue-store.js';
import { postToReceiver, retryAfterMsOf } from './receiver-client.js';
import { receiverRequest, timeoutOf, type ReceiverEndpoint, type ReceiverRequest } from './receiver-endpoint.js';

type AlertingError = TidewaterError<keyof typeof alertingErrors.catalogue>;

export interface DeliveryQueueOptions {
  readonly redis: Redis;
  /** Prefix of every key; give it a hash tag (`{alerting}:delivery`) on Redis Cluster. */
  readonly keyPrefix: string;
  /** Receiver name → where to send; looked up at send time. */
  readonly receivers: ReadonlyMap<string, ReceiverEndpoint>;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** A notification given up on: refused for good, exhausted, or for an unknown receiver. Nothing is dropped silently. */
  readonly onParked: (n: Notification, error: AlertingError) => void | Promise<void>;
  readonly onDelivered?: (n: Notification, attempts: number, latencyMs: number) => void;
  /** At most one send per endpoint per this many ms, across notifications and replicas (Slack allows ~1/s per webhook). */
  readonly minIntervalMsPerEndpoint?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Most notifications held; enqueue beyond it fails with TW_ALERT_DELIVERY_QUEUE_FULL. */
  readonly maxLength?: number;
  /** How long a claimed item is hidden from other workers; must exceed the longest receiver timeout. */
  readonly leaseMs?: number;
  /** How often start()'s timer looks for due items. */
  readonly pollIntervalMs?: number;
  /** Items claimed per pass. */
  readonly batchSize?: number;
  /** How long a delivered or parked id is remembered, so enqueueing it again is a no-op. */
  readonly dedupeWindowMs?: number;
  /** How long `onParked` may take (a dead-letter write during a Kafka outage); past it the item stays queued. */
  readonly parkTimeoutMs?: number;
  /** The jitter source (tests pass a constant). */
  readonly random?: () => number;
  readonly metrics?: Registry;
}

export interface DeliveryQueue {
  /**
   * Stores the notification in Redis (resolved = durable there); a known id is ignored. It takes
   * the place of an unsent notification of the same group and receiver, or waits behind one being sent.
   */
  enqueue(n: Notification): Promise<void>;
  /** Sends what is due at `now` (default: the clock) and waits for those sends; resolves with the number of sends tried and items parked. */
  runDue(now?: number): Promise<number>;
  /** Looks for due items on a timer; each endpoint's send runs on its own, so a slow one holds up only its endpoint. */
  start(): void;
  /** Stops the timer and waits for the pass and the sends in flight; idempotent. */
  close(): Promise<void>;
  /** Notifications held (due, waiting to retry, waiting behind their group's send, or being sent). */
  depth(): Promise<number>;
}

interface Claimed {
  readonly id: string;
  readonly item: QueuedItem;
  readonly request: ReceiverRequest;
}

/**
 * A Redis-backed delivery queue with at-least-once delivery: an item leaves Redis only after its
 * receiver accepted it or it was parked, so a crash mid-send means it is sent again once its lease
 * expires (one duplicate when the crash fell between the receiver's 2xx and our acknowledgement).
 * Retriable failures back off exponentially with full jitter (a 429's Retry-After wins when longer);
 * permanent ones are parked via `onParked`. Sends to one endpoint are spaced by
 * `minIntervalMsPerEndpoint`, enforced with a slot key in Redis shared by every replica; endpoints
 * are sent to independently (a pass starts sends without waiting for them). One group's
 * notifications to one endpoint go out one at a time, in order, newest state winning (see queue-store).
 */
export function createDeliveryQueue(options: DeliveryQueueOptions): DeliveryQueue {
  const clock = options.clock ?? systemClock;
  const minInterval = options.minIntervalMsPerEndpoint ?? 1000;
  const policy: RetryPolicy = {
    baseMs: options.retry?.baseMs ?? 1000,
    maxMs: options.retry?.maxMs ?? 60_000,
    // ~4 hours of retries at the 60 s ceiling (30 s mean with full jitter): by then the
    // dispatcher's repeat_interval sends a fresh notification anyway.
    maxAttempts: options.retry?.maxAttempts ?? 500,
  };
  const leaseMs = options.leaseMs ?? 60_000;
  const parkTimeoutMs = options.parkTimeoutMs ?? 10_000;
  const random = options.random ?? Math.random;
  const batchSize = options.batchSize ?? 100;
  const logger = options.logger;
  const longestTimeout = Math.max(0, ...[...options.receivers.values()].map(timeoutOf));
  if (leaseMs <= longestTimeout) {
    throw new Error(`leaseMs (${leaseMs}) must exceed the longest receiver timeout (${longestTimeout}): a slow send would be sent twice`);
  }
  const store = createQueueStore({
    redis: options.redis,
    keyPrefix: options.keyPrefix,
    maxLength: options.maxLength ?? 10_000,
    dedupeWindowMs: options.dedupeWindowMs ?? 24 * 3_600_000,
    maxRemembered: 100_000,
  });
  const metrics = createDeliveryMetrics(options.metrics, () => store.depth());
  /** Endpoints (limit keys) this process is sending to right now, and the sends and parks it has started. */
  const sendingTo = new Set<string>();
  const inFlight = new Set<Promise<unknown>>();

  async function enqueue(n: Notification): Promise<void> {
    if (!options.receivers.has(n.receiver)) {
      throw alertingErrors.create('TW_ALERT_RECEIVER_UNKNOWN', `no endpoint is configured for receiver ${n.receiver}`, {
        details: { receiver: n.receiver, notificationId: n.id },
      });
    }
    const result = await store.enqueue(n, clock.now());
    metrics.enqueued(result);
    if (result === 'full') {
      const depth = await store.depth();
      logger.warn({ notificationId: n.id, receiver: n.receiver, depth }, 'delivery queue full: notification refused');
      throw alertingErrors.create('TW_ALERT_DELIVERY_QUEUE_FULL', `delivery queue is full (${depth} notifications)`, {
        details: { depth, notificationId: n.id, receiver: n.receiver },
      });
    }
    if (result === 'replaced') {
      logger.info(
        { notificationId: n.id, receiver: n.receiver, groupKey: n.groupKey },
        'notification replaces an unsent one of its group: the group is sent as it is now',
      );
    } else if (result !== 'added') logger.debug({ notificationId: n.id, result }, 'notification already known: not queued again');
  }

  /** `onParked`, bounded: a dead-letter write that hangs (Kafka down) must not hold the endpoint's lane forever. */
  async function callOnParked(n: Notification, error: AlertingError): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => options.onParked(n, error)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                alertingErrors.create('TW_ALERT_PARKING_TIMED_OUT', `onParked did not finish within ${parkTimeoutMs} ms`, {
                  details: { notificationId: n.id, receiver: n.receiver },
                }),
              ),
            parkTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function park(id: string, item: QueuedItem, error: AlertingError, at: () => number): Promise<void> {
    const n = item.notification;
    try {
      await callOnParked(n, error);
    } catch (err) {
      // Keep the item: it comes back after a backoff and is parked again, rather than lost.
      logger.error({ err, notificationId: n.id }, 'onParked failed; the notification stays queued');
      const attempts = item.attempts + 1;
      await store.reschedule(id, { ...item, attempts }, at() + retryDelayMs(attempts, policy, random), at());
      return;
    }
    await store.finish(id, item, at());
    metrics.attempt(n.receiver, 'parked');
    logger.warn({ notificationId: n.id, receiver: n.receiver, code: error.code, err: error }, 'notification parked');
  }

  /** One send of one item, and what follows from its outcome. */
  async function send(claimed: Claimed, at: () => number): Promise<void> {
    const { id, item, request } = claimed;
    const n = item.notification;
    const attempts = item.attempts + 1;
    let failure: unknown;
    try {
      await postToReceiver(request.url, request.body, {
        timeoutMs: request.timeoutMs,
        now: at,
        ...(request.headers ? { headers: request.headers } : {}),
      });
    } catch (err) {
      failure = err;
    }
    const retryAfterMs = retryAfterMsOf(failure);
    // Free the endpoint first: the spacing counts from the end of this send, so the receiver sees
    // at least the interval between two requests whatever the network did.
    await store.releaseSlot(request.limitKey, at(), at() + Math.max(minInterval, Math.min(retryAfterMs ?? 0, maxRetryAfterMs)));
    if (failure === undefined) {
      await store.finish(id, item, at());
      metrics.attempt(n.receiver, 'delivered');
      const latencyMs = at() - n.createdAt;
      metrics.delivered(latencyMs);
      try {
        options.onDelivered?.(n, attempts, latencyMs);
      } catch (err) {
        logger.error({ err, notificationId: n.id }, 'onDelivered failed');
      }
      return;
    }
    if (alertingErrors.is(failure) && !failure.retriable) return park(id, item, failure, at);
    if (attempts >= policy.maxAttempts) {
      const exhausted = alertingErrors.create(
        'TW_ALERT_DELIVERY_EXHAUSTED',
        `gave up after ${attempts} attempts: ${(failure as Error).message}`,
        {
          cause: failure,
          details: { attempts },
        },
      );
      return park(id, item, exhausted, at);
    }
    const delay = retryDelayMs(attempts, policy, random, retryAfterMs);
    const outcome = await store.reschedule(id, { ...item, attempts }, at() + delay, at());
    metrics.attempt(n.receiver, 'retry');
    const fields = { notificationId: n.id, receiver: n.receiver, attempts, retryInMs: delay, err: failure };
    if (outcome === 'replaced') logger.info(fields, 'delivery failed; a newer notification of its group takes its place');
    else logger.info(fields, 'delivery failed; will retry');
  }

  /**
   * The claimed items of one endpoint: the first is started if the slot is free, the rest wait
   * their turn. Returns the send it started (boxed: an async function would wait for a promise it returns).
   */
  async function drainEndpoint(limitKey: string, claimed: readonly Claimed[], at: () => number): Promise<{ send?: Promise<unknown> }> {
    const [first, ...rest] = claimed;
    if (first === undefined) return {};
    const slot = await store.takeSlot(limitKey, at(), at() + first.request.timeoutMs + minInterval);
    // A slot held by our own send frees an interval after that send ends: look again then at the
    // earliest, not at the end of the send's timeout, which a quick answer never reaches.
    const freeAt = slot.taken ? at() : sendingTo.has(limitKey) ? Math.min(slot.freeAt, at() + minInterval) : slot.freeAt;
    // Queue the others one interval apart from when the slot frees, in order, instead of
    // letting them all wake at once only to find the slot taken again.
    const waiting = slot.taken ? rest : claimed;
    await Promise.all(waiting.map((c, i) => store.defer(c.id, freeAt + (slot.taken ? i + 1 : i) * minInterval)));
    if (!slot.taken) return {};
    sendingTo.add(limitKey);
    return { send: guarded(first.id, () => send(first, at)).finally(() => sendingTo.delete(limitKey)) };
  }

  /** Claims what is due and starts it; resolves once every claimed item is started or put back, with the started work. */
  async function pass(now: number | undefined): Promise<Promise<unknown>[]> {
    // With an explicit `now` the pass happens at that instant (tests); otherwise time moves as it runs.
    const at = () => now ?? clock.now();
    const claimed = await store.claim(at(), at() + leaseMs, batchSize);
    const byEndpoint = new Map<string, Claimed[]>();
    const started: Promise<unknown>[] = [];
    for (const { id, item } of claimed) {
      const endpoint = options.receivers.get(item.notification.receiver);
      if (endpoint === undefined) {
        const error = alertingErrors.create(
          'TW_ALERT_RECEIVER_UNKNOWN',
          `no endpoint is configured for receiver ${item.notification.receiver}`,
          {
            details: { receiver: item.notification.receiver },
          },
        );
        started.push(track(guarded(id, () => park(id, item, error, at))));
        continue;
      }
      const request = receiverRequest(endpoint, item.notification);
      const list = byEndpoint.get(request.limitKey) ?? [];
      list.push({ id, item, request });
      byEndpoint.set(request.limitKey, list);
    }
    const sends = await Promise.all(
      [...byEndpoint].map(([limitKey, list]) => guarded(list[0]?.id ?? '', () => drainEndpoint(limitKey, list, at))),
    );
    for (const s of sends) if (s?.send !== undefined) started.push(track(s.send));
    return started;
  }

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  }

  /**
   * Bookkeeping that fails (Redis gone mid-pass) is logged, not thrown: the claimed items keep
   * their lease and come due again when it expires, so nothing is lost.
   */
  async function guarded<T>(id: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (err) {
      logger.error({ err, notificationId: id }, 'delivery bookkeeping failed; the item is retried when its lease expires');
      return undefined;
    }
  }

  // Passes never overlap within a process: a pass must see the previous one's slots and deferrals.
  // The sends a pass starts run on past it, each endpoint on its own.
  let chain: Promise<unknown> = Promise.resolve();
  function nextPass(now: number | undefined): Promise<Promise<unknown>[]> {
    const run = chain.then(() => pass(now));
    chain = run.catch(() => undefined);
    return run;
  }

  async function runDue(now?: number): Promise<number> {
    const started = await nextPass(now);
    await Promise.all(started);
    return started.length;
  }

  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  let closing: Promise<void> | undefined;
  return {
    enqueue,
    runDue,
    start() {
      if (timer !== undefined || closing !== undefined) return;
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        nextPass(undefined)
          .catch((err: unknown) => logger.error({ err }, 'delivery pass failed; retrying on the next tick'))
          .finally(() => {
            busy = false;
          });
      }, options.pollIntervalMs ?? 250);
      // The timer alone must not keep a process alive that is otherwise done.
      timer.unref();
    },
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await chain;
        await Promise.allSettled([...inFlight]);
      })();
      return closing;
    },
    depth: () => store.depth(),
  };
}
