import type { Redis } from 'ioredis';
import { alertFingerprint, type Alert } from '@tidewater/schemas';
import { alertmanagerGroupKey, identifyAlert } from '../identity/index.js';
import type { Labels } from '../matching/label-matcher.js';
import { groupStateKeys, type GroupMeta } from './group-state.js';

// Renames alert fields of one group, compare-and-set: the meta must be as read (a flush in
// between rewrote it: read again), and an alert is moved only if unchanged since read (one
// updated meanwhile already has its new fingerprint). HSETNX: a newer state under the new
// fingerprint wins over the moved one.
const migrateGroupScript = `
if redis.call('HGET', KEYS[1], 'meta') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'meta', ARGV[2])
for i = 3, #ARGV, 4 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('HSETNX', KEYS[2], ARGV[i + 2], ARGV[i + 3])
  end
end
return 1
`;

const migrateFiringScript = `
for i = 1, #ARGV, 4 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('HSETNX', KEYS[1], ARGV[i + 2], ARGV[i + 3])
  end
end
return 1
`;

export interface IdentityMigration {
  /** Groups whose stored state changed. */
  readonly groups: number;
  /** Alerts of groups moved to their Alertmanager fingerprint. */
  readonly alerts: number;
  /** Entries of the firing set (inhibition sources) moved likewise. */
  readonly firing: number;
}

/**
 * Brings state stored before identities followed Alertmanager up to date, at start-up: alerts
 * of every group and of the firing set are re-keyed from their old fingerprint to Alertmanager's
 * (computed from their labels, so a second run finds nothing to do), the group's notification
 * log follows them (so an alert already notified is not notified again), and the group learns
 * its Alertmanager group key from `routeKeyOf(routeId)`. Without it an alert stored under its old
 * fingerprint would never resolve: its resolved record now arrives under the new one.
 */
export async function migrateAlertIdentities(
  redis: Redis,
  prefix: string,
  routeKeyOf: (routeId: string) => string | undefined,
): Promise<IdentityMigration> {
  const k = groupStateKeys(prefix);
  let groups = 0;
  let alerts = 0;
  for (const id of await redis.zrange(k.due, 0, -1)) {
    // A flush rewriting the meta between the read and the script: read again (a few times at most).
    for (let attempt = 0; attempt < 5; attempt++) {
      const [metaJson, stored] = await Promise.all([redis.hget(k.meta(id), 'meta'), redis.hgetall(k.alerts(id))]);
      if (!metaJson) break;
      const meta = JSON.parse(metaJson) as GroupMeta;
      const renames = rekey(
        stored,
        (json) => identifyAlert(JSON.parse(json) as Alert),
        (a) => a.fingerprint,
      );
      const moved = new Map(renames.map((r) => [r[0], r[2]]));
      const routeKey = routeKeyOf(meta.routeId);
      const next: GroupMeta = {
        ...meta,
        ...(meta.groupKey === undefined && routeKey !== undefined ? { groupKey: alertmanagerGroupKey(routeKey, meta.groupLabels) } : {}),
        lastFiring: [...new Set(meta.lastFiring.map((fp) => moved.get(fp) ?? fp))].sort(),
      };
      const nextJson = JSON.stringify(next);
      if (renames.length === 0 && nextJson === metaJson) break;
      if ((await redis.eval(migrateGroupScript, 2, k.meta(id), k.alerts(id), metaJson, nextJson, ...renames.flat())) === 1) {
        groups++;
        alerts += renames.length;
        break;
      }
    }
  }
  const firing = rekey(await redis.hgetall(k.firing), (json) => nonEmpty(JSON.parse(json) as Labels), alertFingerprint);
  if (firing.length > 0) await redis.eval(migrateFiringScript, 1, k.firing, ...firing.flat());
  return { groups, alerts, firing: firing.length };
}

/** `[old field, stored JSON, new field, new JSON]` for every entry whose field is not its identity. */
function rekey<T>(hash: Record<string, string>, decode: (json: string) => T, fieldOf: (value: T) => string): string[][] {
  const out: string[][] = [];
  for (const [field, json] of Object.entries(hash)) {
    const value = decode(json);
    const next = fieldOf(value);
    if (next !== field) out.push([field, json, next, JSON.stringify(value)]);
  }
  return out;
}

function nonEmpty(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''));
}
