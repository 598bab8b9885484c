import type { Redis } from 'ioredis';
import type { FeatureVector } from '@tidewater/schemas';

/**
 * Keeps the vector only if it is not older (by event time) than the stored one, so a late or
 * out-of-order event never hides the entity's newest vector; ties go to the later write.
 */
const setLatestScript = `
local cur = redis.call('HGET', KEYS[1], 't')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 't', ARGV[1], 'v', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

type PipelineWithScript = {
  twFeatureSetLatest(key: string, eventTime: number, vector: string, ttlMs: number): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
};

export interface OnlineStore {
  /** Stores each entity's newest vector (one pipelined round trip); resolves once Redis acknowledged all. */
  write(vectors: readonly FeatureVector[]): Promise<void>;
  /** The newest vector of each entity, null where none is stored (expired or never seen). */
  read(entities: readonly string[]): Promise<(FeatureVector | null)[]>;
}

/** The latest feature vector per entity, in Redis under `<prefix>online:{entity}` with a TTL. */
export function createOnlineStore(redis: Redis, keyPrefix: string, ttlMs: number): OnlineStore {
  redis.defineCommand('twFeatureSetLatest', { numberOfKeys: 1, lua: setLatestScript });
  const key = (entity: string) => `${keyPrefix}online:{${entity}}`;
  return {
    async write(vectors) {
      if (vectors.length === 0) return;
      const pipeline = redis.pipeline() as unknown as PipelineWithScript;
      for (const v of vectors) void pipeline.twFeatureSetLatest(key(v.entity_key), v.event_time, JSON.stringify(v), ttlMs);
      for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
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
