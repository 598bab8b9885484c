import type { Redis } from 'ioredis';
import type { Alert } from '@tidewater/schemas';
import type { Labels } from '../matching/label-matcher.js';

/** What the dispatcher keeps per aggregation group, in Redis so a restart or replica sees it. */
export interface GroupMeta {
  /** The group's id in Redis (route id and group labels). */
  readonly key: string;
  /** Alertmanager's group key; absent on groups stored before identities followed Alertmanager. */
  readonly groupKey?: string;
  readonly routeId: string;
  readonly receiver: string;
  readonly groupLabels: Labels;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  /** Fingerprints of the firing alerts in the last notification sent (Alertmanager's notification log). */
  readonly lastFiring: readonly string[];
  /** When the last notification was sent; 0 before the first. */
  readonly lastNotifiedAt: number;
}

/**
 * Redis layout, all under `prefix`:
 *   g:{key}       hash: meta (JSON)
 *   g:{key}:a     hash: fingerprint -> Alert JSON (latest state of each alert in the group)
 *   due           sorted set: group key scored by its next flush time
 *   lease:{key}   a short lease so only one replica flushes a group at a time
 *   firing        hash: fingerprint -> labels of every firing alert (inhibition sources)
 */
const afterFlushScript = `
-- Fenced: if the group was rescheduled meanwhile (another replica flushed it), change nothing.
local current = redis.call('ZSCORE', KEYS[3], ARGV[2])
if not current or tonumber(current) ~= tonumber(ARGV[4]) then return 2 end
redis.call('HSET', KEYS[1], 'meta', ARGV[1])
for i = 5, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[2], ARGV[i]) end
end
if redis.call('HLEN', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[3], ARGV[2])
  return 1
end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
return 0
`;

type GroupRedis = Redis & {
  twAfterFlush(
    meta: string,
    alerts: string,
    due: string,
    metaJson: string,
    key: string,
    next: number,
    scheduledAt: number,
    ...pairs: string[]
  ): Promise<number>;
  twReleaseLease(lease: string, owner: string): Promise<number>;
};

/** The Redis keys of the layout above. */
export function groupStateKeys(prefix: string) {
  return {
    meta: (key: string) => `${prefix}g:{${key}}`,
    alerts: (key: string) => `${prefix}g:{${key}}:a`,
    due: `${prefix}due`,
    lease: (key: string) => `${prefix}lease:{${key}}`,
    firing: `${prefix}firing`,
  };
}

export function createGroupState(redis: Redis, prefix: string) {
  redis.defineCommand('twAfterFlush', { numberOfKeys: 3, lua: afterFlushScript });
  redis.defineCommand('twReleaseLease', {
    numberOfKeys: 1,
    lua: "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
  });
  const r = redis as GroupRedis;
  const k = groupStateKeys(prefix);
  return {
    /** Adds or updates an alert in its group; a new group is created due at `firstFlushAt`. */
    async upsert(meta: Omit<GroupMeta, 'lastFiring' | 'lastNotifiedAt'>, alert: Alert, firstFlushAt: number): Promise<void> {
      const fresh: GroupMeta = { ...meta, lastFiring: [], lastNotifiedAt: 0 };
      await redis
        .multi()
        .hset(k.alerts(meta.key), alert.fingerprint, JSON.stringify(alert))
        .hsetnx(k.meta(meta.key), 'meta', JSON.stringify(fresh))
        // NX: an existing group keeps its schedule; a new alert waits for the next group_interval flush.
        .zadd(k.due, 'NX', firstFlushAt, meta.key)
        .exec();
    },
    /** Keeps the set of firing alerts (the sources inhibition rules look at) current. */
    async trackFiring(alert: Alert): Promise<void> {
      if (alert.status === 'firing') await redis.hset(k.firing, alert.fingerprint, JSON.stringify(alert.labels));
      else await redis.hdel(k.firing, alert.fingerprint);
    },
    async firingLabels(): Promise<Labels[]> {
      return Object.values(await redis.hgetall(k.firing)).map((l) => JSON.parse(l) as Labels);
    },
    due(now: number): Promise<string[]> {
      return redis.zrangebyscore(k.due, '-inf', now);
    },
    async load(key: string): Promise<{ meta: GroupMeta; alerts: Alert[]; scheduledAt: number } | undefined> {
      const [metaJson, alerts, score] = await Promise.all([
        redis.hget(k.meta(key), 'meta'),
        redis.hgetall(k.alerts(key)),
        redis.zscore(k.due, key),
      ]);
      if (!metaJson || score === null) return undefined;
      return {
        meta: JSON.parse(metaJson) as GroupMeta,
        alerts: Object.values(alerts).map((a) => JSON.parse(a) as Alert),
        scheduledAt: Number(score),
      };
    },
    /** Takes the group for one flush; false when another replica holds it. */
    async lease(key: string, owner: string, ttlMs: number): Promise<boolean> {
      return (await redis.set(k.lease(key), owner, 'PX', ttlMs, 'NX')) === 'OK';
    },
    /** Gives the lease back, only if still ours (a flush that outlived its lease must not drop another's). */
    async release(key: string, owner: string): Promise<void> {
      await r.twReleaseLease(k.lease(key), owner);
    },
    /**
     * Records a flush atomically: the new notification-log entry; removes the resolved alerts that
     * were flushed unless a newer update replaced them meanwhile; deletes the group once it holds no
     * alert, else reschedules it at `nextFlushAt`.
     */
    async afterFlush(
      meta: GroupMeta,
      flushedResolved: readonly Alert[],
      scheduledAt: number,
      nextFlushAt: number,
    ): Promise<'kept' | 'deleted' | 'superseded'> {
      const args = flushedResolved.flatMap((a) => [a.fingerprint, JSON.stringify(a)]);
      const res = await r.twAfterFlush(
        k.meta(meta.key),
        k.alerts(meta.key),
        k.due,
        JSON.stringify(meta),
        meta.key,
        nextFlushAt,
        scheduledAt,
        ...args,
      );
      return res === 1 ? 'deleted' : res === 2 ? 'superseded' : 'kept';
    },
    firingCount(): Promise<number> {
      return redis.hlen(k.firing);
    },
    async groupCount(): Promise<number> {
      return redis.zcard(k.due);
    },
  };
}

export type GroupState = ReturnType<typeof createGroupState>;
