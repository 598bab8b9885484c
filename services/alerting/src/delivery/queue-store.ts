import type { Redis } from 'ioredis';
import type { Notification } from '../notification.js';

/** A queued notification and what delivery has learnt about it so far. */
export interface QueuedItem {
  readonly notification: Notification;
  /** Sends tried so far. */
  readonly attempts: number;
  readonly enqueuedAt: number;
}

/**
 * `added`: stored; `replaced`: stored in place of an older notification of its lane that had not
 * been sent; `queued` / `done`: the id is already queued, or was delivered or parked lately;
 * `full`: refused.
 */
export type EnqueueResult = 'added' | 'replaced' | 'queued' | 'done' | 'full';

/** What became of a failed send's item. */
export type RescheduleResult = 'rescheduled' | 'replaced' | 'gone';

/**
 * The lane a notification travels in: one group's notifications to one endpoint go out one at a
 * time and in order. A newline cannot occur in a receiver name, so the pair is unambiguous.
 */
export function laneOf(n: Notification): string {
  return `${n.receiver}\n${n.groupKey}`;
}

// Every script touches only the keys it is given, so a keyPrefix with a hash tag (`{alerting}:delivery`)
// keeps a queue's keys in one Redis Cluster slot.
//
// Lanes (issue 21): `lanes` maps a lane to its head, the one item of the lane that may be in `due`
// (claimable); `next` maps a lane to the item waiting behind a head that is being sent. `sending`
// scores each claimed item by the end of its lease, so "in flight" is a score in the future.

/** Removes an item, remembers its id for the dedupe window, and moves its lane on to the waiting item. */
const finishLua = `
local function finish(id, now, lane, promoteAt)
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[6], id)
  redis.call('ZADD', KEYS[3], now, id)
  if lane ~= '' and redis.call('HGET', KEYS[4], lane) == id then
    local nxt = redis.call('HGET', KEYS[5], lane)
    redis.call('HDEL', KEYS[5], lane)
    if nxt and redis.call('HEXISTS', KEYS[1], nxt) == 1 then
      redis.call('HSET', KEYS[4], lane, nxt)
      redis.call('ZADD', KEYS[2], promoteAt, nxt)
    else
      redis.call('HDEL', KEYS[4], lane)
    end
  end
end
`;

/**
 * Stores an item once: not when it is already queued, nor when it was delivered or parked lately.
 * A lane whose head is not being sent gets the new item in its place (the group's current state
 * supersedes an unsent one); behind a head in flight, the new item waits, replacing an older waiter.
 */
const enqueueScript = `${finishLua}
local id, json, now, max, lane = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
if redis.call('ZSCORE', KEYS[3], id) then return 'done' end
if redis.call('HEXISTS', KEYS[1], id) == 1 then return 'queued' end
local head = redis.call('HGET', KEYS[4], lane)
if head and redis.call('HEXISTS', KEYS[1], head) == 0 then
  redis.call('HDEL', KEYS[4], lane)
  head = false
end
if not head then
  if redis.call('HLEN', KEYS[1]) >= max then return 'full' end
  redis.call('HSET', KEYS[1], id, json)
  redis.call('ZADD', KEYS[2], now, id)
  redis.call('HSET', KEYS[4], lane, id)
  return 'added'
end
local lease = redis.call('ZSCORE', KEYS[6], head)
if lease and tonumber(lease) > now then
  local waiting = redis.call('HGET', KEYS[5], lane)
  if waiting and redis.call('HEXISTS', KEYS[1], waiting) == 1 then
    redis.call('HDEL', KEYS[1], waiting)
    redis.call('ZADD', KEYS[3], now, waiting)
    redis.call('HSET', KEYS[1], id, json)
    redis.call('HSET', KEYS[5], lane, id)
    return 'replaced'
  end
  if redis.call('HLEN', KEYS[1]) >= max then return 'full' end
  redis.call('HSET', KEYS[1], id, json)
  redis.call('HSET', KEYS[5], lane, id)
  return 'added'
end
finish(head, now, '', 0)
-- A waiter left behind a head whose sender died is older than this item too.
local stale = redis.call('HGET', KEYS[5], lane)
if stale then
  redis.call('HDEL', KEYS[5], lane)
  finish(stale, now, '', 0)
end
redis.call('HSET', KEYS[1], id, json)
redis.call('ZADD', KEYS[2], now, id)
redis.call('HSET', KEYS[4], lane, id)
return 'replaced'`;

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
    redis.call('ZADD', KEYS[3], ARGV[2], id)
    out[#out + 1] = id
    out[#out + 1] = item
  else
    redis.call('ZREM', KEYS[2], id)
  end
end
return out`;

/** Removes a delivered or parked item, remembers its id, and lets its lane's waiting item go next. */
const finishScript = `${finishLua}
finish(ARGV[1], tonumber(ARGV[2]), ARGV[5], tonumber(ARGV[2]))
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[4]) + 1))
return 1`;

/**
 * Records a failed attempt and when to try next, unless the item was finished meanwhile. When a
 * newer notification of its lane waits behind it, that one replaces it and takes its retry time.
 */
const rescheduleScript = `${finishLua}
local id, json, at, lane, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
if redis.call('HEXISTS', KEYS[1], id) == 0 then return 'gone' end
if redis.call('HGET', KEYS[4], lane) == id then
  local waiting = redis.call('HGET', KEYS[5], lane)
  if waiting and redis.call('HEXISTS', KEYS[1], waiting) == 1 then
    finish(id, now, lane, at)
    return 'replaced'
  end
end
redis.call('ZREM', KEYS[6], id)
redis.call('HSET', KEYS[1], id, json)
redis.call('ZADD', KEYS[2], at, id)
return 'rescheduled'`;

/** Moves a claimed item's due time without counting an attempt (its endpoint is busy); it is no longer in flight. */
const deferScript = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
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

/** The delivery queue's Redis state: items, due times, lanes, recently finished ids and send slots. */
export function createQueueStore(options: QueueStoreOptions) {
  const { redis, keyPrefix } = options;
  // `alerting:delivery` and `alerting:delivery:` both give `alerting:delivery:items`.
  const base = keyPrefix.endsWith(':') ? keyPrefix : `${keyPrefix}:`;
  const items = `${base}items`;
  const due = `${base}due`;
  const done = `${base}done`;
  const lanes = `${base}lanes`;
  const next = `${base}next`;
  const sending = `${base}sending`;
  const slotKey = (limitKey: string) => `${base}slot:${limitKey}`;
  const laneKeys = [items, due, done, lanes, next, sending] as const;

  return {
    async enqueue(n: Notification, now: number): Promise<EnqueueResult> {
      const item: QueuedItem = { notification: n, attempts: 0, enqueuedAt: now };
      const result = await redis.eval(enqueueScript, 6, ...laneKeys, n.id, JSON.stringify(item), now, options.maxLength, laneOf(n));
      return result as EnqueueResult;
    },

    /** Claims due items until `leaseUntil`; returns them oldest due first. */
    async claim(now: number, leaseUntil: number, limit: number): Promise<{ id: string; item: QueuedItem }[]> {
      const flat = (await redis.eval(claimScript, 3, items, due, sending, now, leaseUntil, limit)) as string[];
      const claimed: { id: string; item: QueuedItem }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        claimed.push({ id: flat[i] as string, item: JSON.parse(flat[i + 1] as string) as QueuedItem });
      }
      return claimed;
    },

    async finish(id: string, item: QueuedItem, now: number): Promise<void> {
      await redis.eval(
        finishScript,
        6,
        ...laneKeys,
        id,
        now,
        now - options.dedupeWindowMs,
        options.maxRemembered,
        laneOf(item.notification),
      );
    },

    async reschedule(id: string, item: QueuedItem, at: number, now: number): Promise<RescheduleResult> {
      const result = await redis.eval(rescheduleScript, 6, ...laneKeys, id, JSON.stringify(item), at, laneOf(item.notification), now);
      return result as RescheduleResult;
    },

    /** Moves a claimed item's due time without counting an attempt (its endpoint is busy). */
    async defer(id: string, at: number): Promise<void> {
      await redis.eval(deferScript, 2, due, sending, id, at);
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
    keys: { items, due, done, lanes, next, sending },
  };
}

export type QueueStore = ReturnType<typeof createQueueStore>;
