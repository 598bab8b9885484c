import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { alertingErrors } from '../errors.js';
import { matchTypes } from '../matching/label-matcher.js';
import {
  invalidSilence,
  parseSilenceInput,
  sameMatchers,
  silenceState,
  sortSilencesForDisplay,
  type Silence,
  type SilenceInput,
  type SilenceState,
} from './silence.js';

export interface SilenceStoreOptions {
  /** Prefix of every key, so several stacks or tests can share one Redis. */
  readonly keyPrefix: string;
  /** How long expired silences are kept before purging; Alertmanager's `--data.retention` default is 120h. */
  readonly retentionMs?: number;
  /** How long `active()` serves silences from memory before checking Redis for changes. */
  readonly cacheTtlMs?: number;
}

/** Silences in Redis. Every write goes through Alertmanager's rules; see each method. */
export interface SilenceStore {
  /** Stores a new silence under a fresh id. startsAt in the past becomes `now`; endsAt must be after `now`. */
  create(input: SilenceInput, now: number): Promise<Silence>;
  /**
   * Alertmanager's update: edits the silence in place (same id) when its matchers are unchanged and
   * the times allow it (pending: startsAt not in the past; active: startsAt unchanged); otherwise
   * expires it (unless already expired) and creates a new silence, whose id the result carries.
   */
  update(id: string, input: SilenceInput, now: number): Promise<Silence>;
  /** The silence, or TW_ALERT_SILENCE_NOT_FOUND. */
  get(id: string): Promise<Silence>;
  /** Every stored silence (optionally of one state at `now`), in Alertmanager's display order. */
  list(now: number, filter?: { readonly state?: SilenceState }): Promise<Silence[]>;
  /** Ends the silence at `now` (a pending one gets startsAt = endsAt = now); TW_ALERT_SILENCE_ALREADY_EXPIRED if it has ended. */
  expire(id: string, now: number): Promise<Silence>;
  /** The silences active at `now`, mostly from memory: the per-alert hot path. */
  active(now: number): Promise<readonly Silence[]>;
  /** Deletes silences that expired more than the retention period before `now`; returns how many. */
  purge(now: number): Promise<number>;
}

const defaultRetentionMs = 120 * 3_600_000;
const defaultCacheTtlMs = 1_000;
const maxWriteAttempts = 5;

// Compare-and-set of one silence record (KEYS[3], which must still hold ARGV[1], '' = absent),
// optionally writing a brand-new one (KEYS[4]) in the same step, as an update that replaces a
// silence must expire the old one and create the new one together. Returns the new version of
// the store, or 0 when the record changed under us (the caller re-reads and tries again).
// KEYS: index (zset id -> endsAt), version, record A[, record B]
// ARGV: expected A, new A, endsAt A, id A[, new B, endsAt B, id B]
const writeScript = `
local current = redis.call('GET', KEYS[3])
if (current or '') ~= ARGV[1] then return 0 end
if KEYS[4] and redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
redis.call('SET', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
if KEYS[4] then
  redis.call('SET', KEYS[4], ARGV[5])
  redis.call('ZADD', KEYS[1], ARGV[6], ARGV[7])
end
return redis.call('INCR', KEYS[2])
`;

const storedSilenceSchema = z.object({
  id: z.string(),
  matchers: z.array(z.object({ name: z.string(), value: z.string(), type: z.enum(matchTypes) })),
  startsAt: z.number(),
  endsAt: z.number(),
  createdBy: z.string(),
  comment: z.string(),
  updatedAt: z.number(),
});

/** The record as it is serialized: fixed key order, so a compare-and-set on the JSON text is exact. */
function serialize(s: Silence): string {
  return JSON.stringify({
    id: s.id,
    matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, type: m.type })),
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    createdBy: s.createdBy,
    comment: s.comment,
    updatedAt: s.updatedAt,
  });
}

function deserialize(json: string): Silence {
  return storedSilenceSchema.parse(JSON.parse(json));
}

/** Alertmanager refuses to create or update a silence that would already be over. */
function validForWrite(input: SilenceInput, now: number): SilenceInput {
  const parsed = parseSilenceInput(input);
  if (parsed.endsAt <= now) invalidSilence([{ path: 'endsAt', message: 'must be in the future' }]);
  return parsed;
}

/** Alertmanager's `canUpdate`: may `next` replace `prev` in place (keeping its id)? */
function canUpdateInPlace(prev: Silence, next: SilenceInput, now: number): boolean {
  if (!sameMatchers(prev.matchers, next.matchers)) return false;
  switch (silenceState(prev, now)) {
    case 'active':
      return next.startsAt === prev.startsAt && next.endsAt >= now;
    case 'pending':
      return next.startsAt >= now;
    case 'expired':
      return false;
  }
}

/** The silence ended at `now`: a pending one never starts (startsAt = endsAt = now), as in Alertmanager. */
function expiredAt(prev: Silence, now: number): Silence {
  const pending = silenceState(prev, now) === 'pending';
  return { ...prev, startsAt: pending ? now : prev.startsAt, endsAt: now, updatedAt: now };
}

interface ActiveCache {
  readonly version: string | null;
  readonly loadedAt: number;
  readonly silences: readonly Silence[];
}

/**
 * A silence store on Redis. Layout under `keyPrefix`: `silence:<id>` holds the JSON record,
 * `silences:ends` is a sorted set of ids by endsAt (for purging), `silences:version` is bumped on
 * every write so readers can tell cheaply whether anything changed.
 *
 * `active(now)` serves from memory: every silence is loaded once, and after `cacheTtlMs` the store
 * only reads the version counter (one GET) and reloads when it moved. Writes through this store
 * drop the cache at once; writes through another replica show up within `cacheTtlMs`. States are
 * always computed from `now` on the cached records, so a silence starts and ends on time without
 * any reload.
 */
export function createSilenceStore(redis: Redis, options: SilenceStoreOptions): SilenceStore {
  const retentionMs = options.retentionMs ?? defaultRetentionMs;
  const cacheTtlMs = options.cacheTtlMs ?? defaultCacheTtlMs;
  const indexKey = `${options.keyPrefix}silences:ends`;
  const versionKey = `${options.keyPrefix}silences:version`;
  const recordKey = (id: string) => `${options.keyPrefix}silence:${id}`;

  let cache: ActiveCache | undefined;
  let loading: Promise<ActiveCache> | undefined;
  // Bumped by every local write, so a load that started before the write does not install stale data.
  let generation = 0;

  /** After a local write: the next `active()` reads Redis again, even if a load is under way. */
  function forget(): void {
    generation++;
    cache = undefined;
    loading = undefined;
  }

  async function redisCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (alertingErrors.is(err)) throw err;
      throw alertingErrors.create(
        'TW_ALERT_SILENCE_STORE_UNAVAILABLE',
        `silence store: ${what} failed: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  async function read(id: string): Promise<{ json: string; silence: Silence }> {
    const json = await redis.get(recordKey(id));
    if (json === null) throw alertingErrors.create('TW_ALERT_SILENCE_NOT_FOUND', `no silence with id ${id}`, { details: { id } });
    return { json, silence: deserialize(json) };
  }

  async function readAll(): Promise<Silence[]> {
    const ids = await redis.zrange(indexKey, 0, -1);
    if (ids.length === 0) return [];
    const records = await redis.mget(ids.map(recordKey));
    // A record can vanish between the two reads when it is purged meanwhile.
    return records.flatMap((json) => (json === null ? [] : [deserialize(json)]));
  }

  /** One compare-and-set write; false when the record changed since it was read. */
  async function write(expected: string, a: Silence, b?: Silence): Promise<boolean> {
    const keys = [indexKey, versionKey, recordKey(a.id), ...(b ? [recordKey(b.id)] : [])];
    const args = [expected, serialize(a), a.endsAt, a.id, ...(b ? [serialize(b), b.endsAt, b.id] : [])];
    const result = await redis.eval(writeScript, keys.length, ...keys, ...args);
    if (result === 0) return false;
    forget();
    return true;
  }

  function conflict(id: string): never {
    throw alertingErrors.create(
      'TW_ALERT_SILENCE_CONFLICT',
      `silence ${id} kept changing during ${maxWriteAttempts} attempts to write it`,
      {
        details: { id },
      },
    );
  }

  async function purge(now: number): Promise<number> {
    const ids = await redis.zrangebyscore(indexKey, '-inf', `(${now - retentionMs}`);
    if (ids.length === 0) return 0;
    await redis
      .multi()
      .del(...ids.map(recordKey))
      .zrem(indexKey, ...ids)
      .incr(versionKey)
      .exec();
    forget();
    return ids.length;
  }

  async function load(now: number): Promise<ActiveCache> {
    const startedAt = generation;
    // The version is read before the records: if a write lands in between, the records are newer
    // than the version says, and the next check reloads again; never the other way round.
    const version = await redis.get(versionKey);
    const silences = cache && cache.version === version && version !== null ? cache.silences : await readAll();
    const loaded: ActiveCache = { version, loadedAt: now, silences };
    if (generation === startedAt) cache = loaded;
    return loaded;
  }

  return {
    create: (input, now) =>
      redisCall('create', async () => {
        const parsed = validForWrite(input, now);
        for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
          const silence: Silence = { ...parsed, id: randomUUID(), startsAt: Math.max(parsed.startsAt, now), updatedAt: now };
          if (await write('', silence)) {
            await purge(now);
            return silence;
          }
        }
        return conflict('(new)');
      }),

    update: (id, input, now) =>
      redisCall('update', async () => {
        const parsed = validForWrite(input, now);
        for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
          const prev = await read(id);
          let result: Silence;
          let written: boolean;
          if (canUpdateInPlace(prev.silence, parsed, now)) {
            result = { ...parsed, id, updatedAt: now };
            written = await write(prev.json, result);
          } else {
            // Alertmanager keeps an expired silence as it was and replaces a live one by a new id.
            const old = silenceState(prev.silence, now) === 'expired' ? prev.silence : expiredAt(prev.silence, now);
            result = { ...parsed, id: randomUUID(), startsAt: Math.max(parsed.startsAt, now), updatedAt: now };
            written = await write(prev.json, old, result);
          }
          if (written) {
            await purge(now);
            return result;
          }
        }
        return conflict(id);
      }),

    get: (id) => redisCall('get', async () => (await read(id)).silence),

    list: (now, filter) =>
      redisCall('list', async () => {
        await purge(now);
        const all = await readAll();
        const wanted = filter?.state === undefined ? all : all.filter((s) => silenceState(s, now) === filter.state);
        return sortSilencesForDisplay(wanted, now);
      }),

    expire: (id, now) =>
      redisCall('expire', async () => {
        for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
          const prev = await read(id);
          if (silenceState(prev.silence, now) === 'expired') {
            throw alertingErrors.create('TW_ALERT_SILENCE_ALREADY_EXPIRED', `silence ${id} has already expired`, {
              details: { id, endsAt: new Date(prev.silence.endsAt).toISOString() },
            });
          }
          const expired = expiredAt(prev.silence, now);
          if (await write(prev.json, expired)) {
            await purge(now);
            return expired;
          }
        }
        return conflict(id);
      }),

    active: (now) =>
      redisCall('active', async () => {
        const fresh = cache !== undefined && now >= cache.loadedAt && now - cache.loadedAt < cacheTtlMs;
        let current = fresh ? cache : undefined;
        if (!current) {
          // Concurrent callers share one load rather than each reading Redis.
          if (!loading) {
            const started: Promise<ActiveCache> = load(now).finally(() => {
              if (loading === started) loading = undefined;
            });
            loading = started;
          }
          current = await loading;
        }
        return current.silences.filter((s) => silenceState(s, now) === 'active');
      }),

    purge: (now) => redisCall('purge', () => purge(now)),
  };
}
