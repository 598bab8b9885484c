import type { Redis } from 'ioredis';
import { isConfluentWireFormat, type AvroDecoder, type AvroEncoder } from '@tidewater/kafka';
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

/** The stored vectors of many keys in one command (a pipeline of HGETs allocates several times more per call). */
const getLatestScript = `
local out = {}
for k = 1, #KEYS do
  out[k] = redis.call('HGET', KEYS[k], 'v')
end
return out
`;

type RedisWithScript = Redis & {
  twFeatureSetLatest(keyCount: number, ...args: (string | number | Buffer)[]): Promise<number>;
  twFeatureGetLatestBuffer(keyCount: number, ...keys: string[]): Promise<(Buffer | null)[]>;
};

/** Vectors per script call: a script blocks Redis while it runs, so a huge batch is written in chunks. */
const CHUNK = 500;

/** How the online store encodes vectors: the `features` topic's Avro value encoder, and a reader for it. */
export interface OnlineStoreCodec {
  readonly encoder: AvroEncoder<FeatureVector>;
  readonly decoder: AvroDecoder<FeatureVector>;
}

/** One entity's newest vector of a batch, as the online store keeps it. */
export interface OnlineEntry {
  readonly entity: string;
  readonly key: string;
  readonly eventTime: number;
  readonly value: Buffer;
}

export interface OnlineStore {
  /** How long an entity's entry stays after its last write. */
  readonly ttlMs: number;
  /**
   * Each entity's newest vector of `vectors` (the later one on a tie), as the entry to store: for
   * a caller that writes them in a script of its own (window-state.ts, with the states).
   */
  entries(vectors: readonly FeatureVector[], encoded?: readonly Buffer[]): OnlineEntry[];
  /**
   * Stores each entity's newest vector (one script call per batch); resolves once Redis acknowledged it.
   * `encoded[i]`, when given, is `vectors[i]` as the codec's encoder encodes it (the bytes already
   * made for Kafka), so the batch is not encoded twice.
   */
  write(vectors: readonly FeatureVector[], encoded?: readonly Buffer[]): Promise<void>;
  /** The newest vector of each entity, null where none is stored (expired or never seen). */
  read(entities: readonly string[]): Promise<(FeatureVector | null)[]>;
}

/**
 * The latest feature vector per entity, in Redis under `<prefix>online:{entity}` with a TTL, as the
 * Confluent-framed Avro the service publishes on `features`. The bytes are encoded once per event
 * for Kafka anyway; a second, JSON, encoding on the write path cost about a tenth of the service's
 * CPU (issue #5), while the JSON is only needed when someone asks. A value stored as JSON (by an
 * earlier version of the service) is still read.
 */
export function createOnlineStore(redis: Redis, keyPrefix: string, ttlMs: number, codec: OnlineStoreCodec): OnlineStore {
  redis.defineCommand('twFeatureSetLatest', { lua: setLatestScript });
  redis.defineCommand('twFeatureGetLatest', { lua: getLatestScript });
  const scripted = redis as RedisWithScript;
  const key = (entity: string) => `${keyPrefix}online:{${entity}}`;
  /** The stored values: one HGET, or one script call for many entities. */
  const fetchStored = async (entities: readonly string[]): Promise<(Buffer | null)[]> => {
    if (entities.length === 0) return [];
    if (entities.length === 1) return [await redis.hgetBuffer(key(entities[0]!), 'v')];
    return scripted.twFeatureGetLatestBuffer(entities.length, ...entities.map(key));
  };
  const entries = (vectors: readonly FeatureVector[], encoded?: readonly Buffer[]): OnlineEntry[] => {
    // Only each entity's newest vector of the batch can be kept (the later one on a tie): send just those.
    const newest = new Map<string, number>();
    for (let i = 0; i < vectors.length; i++) {
      const v = vectors[i]!;
      const seen = newest.get(v.entity_key);
      if (seen === undefined || vectors[seen]!.event_time <= v.event_time) newest.set(v.entity_key, i);
    }
    return [...newest.values()].map((i) => {
      const v = vectors[i]!;
      return { entity: v.entity_key, key: key(v.entity_key), eventTime: v.event_time, value: encoded?.[i] ?? codec.encoder.encode(v) };
    });
  };
  return {
    ttlMs,
    entries,
    async write(vectors, encoded) {
      const latest = entries(vectors, encoded);
      for (let from = 0; from < latest.length; from += CHUNK) {
        const chunk = latest.slice(from, from + CHUNK);
        const args: (string | number | Buffer)[] = [chunk.length];
        for (const e of chunk) args.push(e.key);
        args.push(ttlMs);
        for (const e of chunk) args.push(e.eventTime, e.value);
        await scripted.twFeatureSetLatest(...(args as [number, ...(string | number | Buffer)[]]));
      }
    },
    async read(entities) {
      const stored = await fetchStored(entities);
      // Writer schemas are fetched once per id (the registry is asked only for an id not seen yet); JSON is skipped.
      await codec.decoder.prepare(stored);
      return stored.map((v) => {
        if (!v) return null;
        return isConfluentWireFormat(v) ? codec.decoder.decode(v) : (JSON.parse(v.toString('utf8')) as FeatureVector);
      });
    },
  };
}
