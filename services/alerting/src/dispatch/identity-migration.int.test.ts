import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { alertFingerprint, type Alert } from '@tidewater/schemas';
import { stackEndpoints, uniqueName } from '@tidewater/test-support';
import { identifyAlert } from '../identity/index.js';
import type { Notification } from '../notification.js';
import { createDispatcher } from './dispatcher.js';
import { createGroupState, groupStateKeys, type GroupMeta } from './group-state.js';
import { migrateAlertIdentities } from './identity-migration.js';

/**
 * Issue 18: fingerprints changed from sha256 to Alertmanager's. A group stored by the previous
 * release must, after the start-up migration, resolve its alert when the resolved record comes in
 * under the new fingerprint, and not notify its firing alert again.
 */
describe('re-keying state stored under the old fingerprints', () => {
  const redis = new Redis(stackEndpoints().redisUrl);
  const prefix = `${uniqueName('alerting-identities')}:groups:`;
  const k = groupStateKeys(prefix);
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const labels = { alertname: 'ModelDriftDetected', model: 'fraud', feature: '' };
  const oldFp = previousReleaseFingerprint(labels);
  const newFp = alertFingerprint({ alertname: 'ModelDriftDetected', model: 'fraud' });
  const stored: Alert = {
    fingerprint: oldFp,
    status: 'firing',
    labels,
    annotations: {},
    starts_at: 1,
    ends_at: null,
    source: 't',
    generator_url: null,
  };
  const meta = (key: string, routeId: string): GroupMeta => ({
    key,
    routeId,
    receiver: 'slack',
    groupLabels: { alertname: 'ModelDriftDetected' },
    groupIntervalMs: 60_000,
    repeatIntervalMs: 3_600_000,
    lastFiring: [oldFp],
    lastNotifiedAt: 1000,
  });

  async function seed(key: string, routeId: string, extra: Record<string, string> = {}) {
    await redis
      .multi()
      .hset(k.meta(key), 'meta', JSON.stringify(meta(key, routeId)))
      .hset(k.alerts(key), oldFp, JSON.stringify(stored), ...Object.entries(extra).flat())
      .zadd(k.due, 2000, key)
      .hset(k.firing, oldFp, JSON.stringify(labels))
      .exec();
  }

  it('moves alerts, the notification log and the firing set to the new fingerprints, once', async () => {
    const newer = { ...stored, fingerprint: newFp, labels: { alertname: 'ModelDriftDetected', model: 'fraud' }, starts_at: 5 };
    await seed('0:{alertname="ModelDriftDetected"}', '0');
    // A group of a route the current config no longer has, holding a newer state under the new fingerprint too.
    await seed('0.9:{alertname="ModelDriftDetected"}', '0.9', { [newFp]: JSON.stringify(newer) });
    const routeKeyOf = (id: string) => (id === '0' ? '{}' : undefined);

    expect(await migrateAlertIdentities(redis, prefix, routeKeyOf)).toEqual({ groups: 2, alerts: 2, firing: 1 });
    const moved = await redis.hgetall(k.alerts('0:{alertname="ModelDriftDetected"}'));
    expect(Object.keys(moved)).toEqual([newFp]);
    expect(JSON.parse(moved[newFp]!)).toEqual(identifyAlert(stored));
    const metaOf = async (key: string) => JSON.parse((await redis.hget(k.meta(key), 'meta'))!) as GroupMeta;
    expect(await metaOf('0:{alertname="ModelDriftDetected"}')).toMatchObject({
      groupKey: '{}:{alertname="ModelDriftDetected"}',
      lastFiring: [newFp],
    });
    const orphan = await metaOf('0.9:{alertname="ModelDriftDetected"}');
    expect(orphan.groupKey).toBeUndefined();
    expect(orphan.lastFiring).toEqual([newFp]);
    // The newer state stays; the old entry is gone.
    expect(await redis.hgetall(k.alerts('0.9:{alertname="ModelDriftDetected"}'))).toEqual({ [newFp]: JSON.stringify(newer) });
    expect(await redis.hgetall(k.firing)).toEqual({ [newFp]: JSON.stringify({ alertname: 'ModelDriftDetected', model: 'fraud' }) });

    expect(await migrateAlertIdentities(redis, prefix, routeKeyOf)).toEqual({ groups: 0, alerts: 0, firing: 0 });
  });

  it('then resolves the alert from a record carrying the new fingerprint, without re-notifying it firing', async () => {
    const sent: Notification[] = [];
    let now = 10_000;
    const dispatcher = createDispatcher({
      groups: createGroupState(redis, prefix),
      route: () => [
        {
          routeId: '0',
          receiver: 'slack',
          groupId: '0:{alertname="ModelDriftDetected"}',
          groupKey: '{}:{alertname="ModelDriftDetected"}',
          groupLabels: { alertname: 'ModelDriftDetected' },
          groupWaitMs: 0,
          groupIntervalMs: 60_000,
          repeatIntervalMs: 3_600_000,
        },
      ],
      muting: { silencedBy: () => [], inhibited: () => false, usesFiringAlerts: false },
      sendResolved: () => true,
      enqueue: async (n) => void sent.push(n),
      clock: { now: () => now },
      owner: 'test',
    });
    await dispatcher.tick(); // due since the seed: nothing new is firing, repeat_interval not reached
    expect(sent).toEqual([]);
    now += 60_000;
    await dispatcher.ingest(identifyAlert({ ...stored, status: 'resolved', ends_at: now }));
    await dispatcher.tick();
    expect(sent.map((n) => [n.status, n.groupKey, n.alerts.map((a) => a.fingerprint)])).toEqual([
      ['resolved', '{}:{alertname="ModelDriftDetected"}', [newFp]],
    ]);
    expect(await redis.exists(k.alerts('0:{alertname="ModelDriftDetected"}'))).toBe(0);
    expect(await redis.hlen(k.firing)).toBe(0);
  });
});

/** What releases before the Alertmanager-exact identities stored: sha256 over sorted `k=v` pairs. */
function previousReleaseFingerprint(labels: Readonly<Record<string, string>>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
