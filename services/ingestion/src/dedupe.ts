import type { Redis } from 'ioredis';

/**
 * Deduplication by event_id within a window, safe under at-least-once delivery.
 *
 * A plain `SET NX` before publishing would lose events: if the publish then fails, or the process
 * dies before it, the id stays marked and the redelivered copy is dropped as a duplicate although
 * nothing was published. So a claim has two states, each tagged with its owner (the raw input's
 * identity: topic/partition/offset, or a per-request UUID and index):
 *
 * - `claim` sets `p|<owner>` with the short pending TTL. The same owner claiming again (Kafka
 *   redelivering the same offset after a crash) takes it over: its first publish may never have happened.
 * - `confirm`, after Kafka acknowledged the publish, turns it into `c|<owner>` for the full window.
 *   Any later copy, even from the same owner, is a duplicate: it was published.
 * - `renew`, while the publish runs, extends a pending claim: kafkajs waits out an outage of any length,
 *   and a claim expiring meanwhile would let a retry publish a second copy. A crashed owner stops
 *   renewing, so its claim still expires after the pending TTL.
 * - `release`, after a failed publish, deletes a pending claim so the retry passes.
 * - A pending claim of another owner is reported as `in_flight`: the copy is neither new nor a
 *   duplicate until that owner's publish settles, so the caller retries it later.
 */
export type ClaimResult = 'new' | 'duplicate' | 'in_flight';

export interface DedupeClaim {
  readonly eventId: string;
  readonly owner: string;
}

export interface DedupeStore {
  /** How long a pending claim lives without renewal; Infinity when claims never expire. */
  readonly pendingMs: number;
  claim(items: readonly DedupeClaim[]): Promise<ClaimResult[]>;
  renew(items: readonly DedupeClaim[]): Promise<void>;
  confirm(items: readonly DedupeClaim[]): Promise<void>;
  release(items: readonly DedupeClaim[]): Promise<void>;
}

const claimScript = `
local out = {}
for i, key in ipairs(KEYS) do
  local mine = 'p|' .. ARGV[i + 1]
  local v = redis.call('GET', key)
  if (not v) or v == mine then
    redis.call('SET', key, mine, 'PX', ARGV[1])
    out[i] = 1
  elseif string.sub(v, 1, 2) == 'p|' then
    out[i] = 2
  else
    out[i] = 0
  end
end
return out`;

const confirmScript = `
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == 'p|' .. ARGV[i + 1] then redis.call('SET', key, 'c|' .. ARGV[i + 1], 'PX', ARGV[1]) end
end
return 0`;

const renewScript = `
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == 'p|' .. ARGV[i + 1] then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 0`;

const releaseScript = `
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == 'p|' .. ARGV[i] then redis.call('DEL', key) end
end
return 0`;

const claimResults: readonly ClaimResult[] = ['duplicate', 'new', 'in_flight'];

/** The shared store: one Lua script per batch, so replicas agree and a batch costs one round trip. */
export function createRedisDedupe(redis: Redis, opts: { prefix: string; windowMs: number; pendingMs: number }): DedupeStore {
  const key = (eventId: string) => `${opts.prefix}dedupe:${eventId}`;
  return {
    pendingMs: opts.pendingMs,
    async claim(items) {
      if (items.length === 0) return [];
      const res = (await redis.eval(
        claimScript,
        items.length,
        ...items.map((i) => key(i.eventId)),
        String(opts.pendingMs),
        ...items.map((i) => i.owner),
      )) as number[];
      return res.map((r) => claimResults[r]!);
    },
    async renew(items) {
      if (items.length === 0) return;
      await redis.eval(
        renewScript,
        items.length,
        ...items.map((i) => key(i.eventId)),
        String(opts.pendingMs),
        ...items.map((i) => i.owner),
      );
    },
    async confirm(items) {
      if (items.length === 0) return;
      await redis.eval(
        confirmScript,
        items.length,
        ...items.map((i) => key(i.eventId)),
        String(opts.windowMs),
        ...items.map((i) => i.owner),
      );
    },
    async release(items) {
      if (items.length === 0) return;
      await redis.eval(releaseScript, items.length, ...items.map((i) => key(i.eventId)), ...items.map((i) => i.owner));
    },
  };
}

/** The same rules in memory, for unit tests and the property test (single process only). */
export function createMemoryDedupe(opts: { windowMs: number; pendingMs: number; now?: () => number }): DedupeStore {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const get = (id: string) => {
    const e = entries.get(id);
    if (e && e.expiresAt <= now()) entries.delete(id);
    return entries.get(id)?.value;
  };
  return {
    pendingMs: opts.pendingMs,
    async claim(items) {
      return items.map(({ eventId, owner }) => {
        const v = get(eventId);
        if (v === undefined || v === `p|${owner}`) {
          entries.set(eventId, { value: `p|${owner}`, expiresAt: now() + opts.pendingMs });
          return 'new';
        }
        return v.startsWith('p|') ? 'in_flight' : 'duplicate';
      });
    },
    async renew(items) {
      for (const { eventId, owner } of items)
        if (get(eventId) === `p|${owner}`) entries.set(eventId, { value: `p|${owner}`, expiresAt: now() + opts.pendingMs });
    },
    async confirm(items) {
      for (const { eventId, owner } of items)
        if (get(eventId) === `p|${owner}`) entries.set(eventId, { value: `c|${owner}`, expiresAt: now() + opts.windowMs });
    },
    async release(items) {
      for (const { eventId, owner } of items) if (get(eventId) === `p|${owner}`) entries.delete(eventId);
    },
  };
}

/** Dedupe turned off (DEDUPE_ENABLED=false): every event is new. */
export const noDedupe: DedupeStore = {
  pendingMs: Number.POSITIVE_INFINITY,
  claim: async (items) => items.map(() => 'new'),
  renew: async () => undefined,
  confirm: async () => undefined,
  release: async () => undefined,
};
