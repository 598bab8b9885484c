import type { Redis } from 'ioredis';

/** One hour, the only window of the walking skeleton's feature set. */
export const windowMs = 3_600_000;

/**
 * Adds an event to its card's one-hour window and returns the window's count and sum, in one
 * atomic step. The window is a sorted set of event ids scored by event time plus a hash of
 * amounts, so applying the same event twice (redelivery after a rebalance) changes nothing:
 * ZADD and HSET of an existing member are no-ops on the aggregate.
 * Returns [count, sum as string] for events within (t - window, t], the event itself included.
 */
const updateWindowScript = `
local events, amounts = KEYS[1], KEYS[2]
local id, t, amount, window, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZADD', events, t, id)
redis.call('HSET', amounts, id, amount)
local expired = redis.call('ZRANGEBYSCORE', events, '-inf', '(' .. (t - window * 2))
if #expired > 0 then
  redis.call('ZREM', events, unpack(expired))
  redis.call('HDEL', amounts, unpack(expired))
end
local ids = redis.call('ZRANGEBYSCORE', events, '(' .. (t - window), t)
local sum = 0
if #ids > 0 then
  for _, a in ipairs(redis.call('HMGET', amounts, unpack(ids))) do sum = sum + tonumber(a or '0') end
end
redis.call('PEXPIRE', events, ttl)
redis.call('PEXPIRE', amounts, ttl)
return { #ids, tostring(sum) }
`;

export interface WindowAggregate {
  readonly count: number;
  readonly sum: number;
}

type WindowRedis = Redis & {
  twUpdateWindow(
    events: string,
    amounts: string,
    id: string,
    t: number,
    amount: number,
    window: number,
    ttl: number,
  ): Promise<[number, string]>;
};

/** Window state for a batch of events: one pipelined round trip to Redis per batch. */
export function createWindowState(redis: Redis, keyPrefix: string) {
  redis.defineCommand('twUpdateWindow', { numberOfKeys: 2, lua: updateWindowScript });
  const r = redis as WindowRedis;
  return {
    async applyBatch(
      events: readonly { card_id: string; event_id: string; occurred_at: number; amount: number }[],
    ): Promise<WindowAggregate[]> {
      const pipeline = r.pipeline() as unknown as {
        twUpdateWindow: WindowRedis['twUpdateWindow'];
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      for (const e of events) {
        // The hash tag {card} keeps both keys of a card in one Redis Cluster slot.
        const base = `${keyPrefix}{${e.card_id}}`;
        void pipeline.twUpdateWindow(`${base}:events`, `${base}:amounts`, e.event_id, e.occurred_at, e.amount, windowMs, windowMs * 2);
      }
      const results = (await pipeline.exec()) ?? [];
      return results.map(([err, res]) => {
        if (err) throw err;
        const [count, sum] = res as [number, string];
        return { count, sum: Number(sum) };
      });
    },
  };
}
