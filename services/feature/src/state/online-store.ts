import type { Redis } from 'ioredis';
import type { FeatureVector } from '@tidewater/schemas';

/**
 * Per key, keeps the vector only if it is not older (by event time) than the stored one, so a late
 * or out-of-order event never hides the entity's newest vector; ties go to the later write.
 * KEYS the entities' online keys; ARGV the TTL ms, then per key the event time and the vector.
 * One call per batch (keys of many entities: a single Redis, not Redis Cluster).
 */
const setLatestScript = `
local ttl = ARGV[1]
for k = 1, #KEYS do
  local t = ARGV[2 * k]
  local cur = redis.call('HGET', KEYS[k], 't')
  if not cur or tonumber(cur) <= tonumber(t) then
    redis.call('HSET', KEYS[k], 't', t, 'v', ARGV[2 * k + 1])
    redis.call('PEXPIRE', KEYS[k], ttl)
  end
end
return 0
`;

type RedisWithScript = Redis & {
  twFeatureSetLatest(keyCount: number, ...args: (string | number)[]): Promise<number>;
};

/** Vectors per script call: a script blocks Redis while it runs, so a huge batch is written in chunks. */
const CHUNK = 500;

export interface OnlineStore {
  /** Stores each entity's newest vector (one script call per batch); resolves once Redis acknowledged it. */
  write(vectors: readonly FeatureVector[]): Promise<void>;
  /** The newest vector of each entity, null where none is stored (expired or never seen). */
  read(entities: readonly string[]): Promise<(FeatureVector | null)[]>;
}

/** The latest feature vector per entity, in Redis under `<prefix>online:{entity}` with a TTL. */
export function createOnlineStore(redis: Redis, keyPrefix: string, ttlMs: number): OnlineStore {
  redis.defineCommand('twFeatureSetLatest', { lua: setLatestScript });
  const scripted = redis as RedisWithScript;
  const key = (entity: string) => `${keyPrefix}online:{${entity}}`;
  return {
    async write(vectors) {
      // Only each entity's newest vector of the batch can be kept (the later one on a tie): send just those.
      const newest = new Map<string, FeatureVector>();
      for (const v of vectors) {
        const seen = newest.get(v.entity_key);
        if (!seen || seen.event_time <= v.event_time) newest.set(v.entity_key, v);
      }
      const latest = [...newest.values()];
      for (let from = 0; from < latest.length; from += CHUNK) {
        const chunk = latest.slice(from, from + CHUNK);
        const args: (string | number)[] = [ttlMs];
        for (const v of chunk) args.push(v.event_time, JSON.stringify(v));
        await scripted.twFeatureSetLatest(chunk.length, ...chunk.map((v) => key(v.entity_key)), ...args);
      }
    },
    async read(entities) {
      if (entities.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const e of entities) pipeline.hget(key(e), 'v');
      return ((await pipeline.exec()) ?? []).map(([err, v]) => {
        if (err) throw err;
        return typeof v === 'string' ? (JSON.parse(v) as FeatureVector) : null;
      });
    },
  };
}
