import type { Redis } from 'ioredis';
import type { Notification } from '../notification.js';

/** A queued notification and what delivery has learnt about it so far. */
export interface QueuedItem {
  readonly notification: Notification;
  /** Sends tried so far. */
  readonly attempts: number;
  readonly enqueuedAt: number;
}

export type EnqueueResult = 'added' | 'queued' | 'done' | 'full';

// Every script touches only the keys it is given, so a keyPrefix with a hash tag (`{alerting}:delivery`)
// keeps a queue's keys in one Redis Cluster slot.

/** Stores an item once: not when it is already queued, nor when it was delivered or parked lately. */
const enqueueScript = `
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 'done' end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'queued' end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return 'full' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 'added'`;

/**
 * Takes up to ARGV[3] due items and pushes each one's due time to the lease end: a process that
 * dies mid-send leaves the item in place, and it comes due again once the lease runs out.
 */
const claimScript = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local item = redis.call('HGET', KEYS[1], id)
  if item then
    redis.call('ZADD', KEYS[2], ARGV[2], id)
    out[#out + 1] = id
    out[#out + 1] = item
  else
    redis.call('ZREM', KEYS[2], id)
  end
end
return out`;

/** Removes a delivered or parked item and remembers its id for the dedupe window. */
const finishScript = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[4]) + 1))
return 1`;

/** Records a failed attempt and when to try next, unless the item was finished meanwhile. */
const rescheduleScript = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1`;

/**
 * The per-endpoint send slot. The key holds the earliest time (queue clock, ms) the next send may
 * start; taking the slot moves it to ARGV[2] (the send's timeout plus the interval, so a process
 * that dies mid-send still frees it). Returns -1 when taken, else the time it frees.
 */
const takeSlotScript = `
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nextAt > tonumber(ARGV[1]) then return nextAt end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return -1`;

/** Slot keys outlive the wait they encode by this much (real time), then Redis drops them. */
const slotKeyGraceMs = 60_000;

export interface QueueStoreOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly maxLength: number;
  readonly dedupeWindowMs: number;
  readonly maxRemembered: number;
}

/** The delivery queue's Redis state: items, due times, recently finished ids and send slots. */
export function createQueueStore(options: QueueStoreOptions) {
  const { redis, keyPrefix } = options;
  // `alerting:delivery` and `alerting:delivery:` both give `alerting:delivery:items`.
  const base = keyPrefix.endsWith(':') ? keyPrefix : `${keyPrefix}:`;
  const items = `${base}items`;
  const due = `${base}due`;
  const done = `${base}done`;
  const slotKey = (limitKey: string) => `${base}slot:${limitKey}`;

  return {
    async enqueue(n: Notification, now: number): Promise<EnqueueResult> {
      const item: QueuedItem = { notification: n, attempts: 0, enqueuedAt: now };
      const result = await redis.eval(enqueueScript, 3, items, due, done, n.id, JSON.stringify(item), now, options.maxLength);
      return result as EnqueueResult;
    },

    /** Claims due items until `leaseUntil`; returns them oldest due first. */
    async claim(now: number, leaseUntil: number, limit: number): Promise<{ id: string; item: QueuedItem }[]> {
      const flat = (await redis.eval(claimScript, 2, items, due, now, leaseUntil, limit)) as string[];
      const claimed: { id: string; item: QueuedItem }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        claimed.push({ id: flat[i] as string, item: JSON.parse(flat[i + 1] as string) as QueuedItem });
      }
      return claimed;
    },

    async finish(id: string, now: number): Promise<void> {
      await redis.eval(finishScript, 3, items, due, done, id, now, now - options.dedupeWindowMs, options.maxRemembered);
    },

    async reschedule(id: string, item: QueuedItem, at: number): Promise<void> {
      await redis.eval(rescheduleScript, 2, items, due, id, JSON.stringify(item), at);
    },

    /** Moves a claimed item's due time without counting an attempt (its endpoint is busy). */
    async defer(id: string, at: number): Promise<void> {
      await redis.zadd(due, 'XX', at, id);
    },

    /** Takes the endpoint's send slot until `holdUntil`, or says when it frees. */
    async takeSlot(limitKey: string, now: number, holdUntil: number): Promise<{ taken: true } | { taken: false; freeAt: number }> {
      const ttl = Math.max(0, holdUntil - now) + slotKeyGraceMs;
      const result = Number(await redis.eval(takeSlotScript, 1, slotKey(limitKey), now, holdUntil, ttl));
      return result === -1 ? { taken: true } : { taken: false, freeAt: result };
    },

    /** After a send: the next one to this endpoint may start at `nextAt`. */
    async releaseSlot(limitKey: string, now: number, nextAt: number): Promise<void> {
      await redis.set(slotKey(limitKey), nextAt, 'PX', Math.max(0, nextAt - now) + slotKeyGraceMs);
    },

    async depth(): Promise<number> {
      return redis.hlen(items);
    },

    /** Every key of the queue but the slot keys (which expire): for tests and tooling. */
    keys: { items, due, done },
  };
}

export type QueueStore = ReturnType<typeof createQueueStore>;
