import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { alertingErrors } from '../errors.js';
import { silencedBy, type SilenceInput } from './silence.js';
import { createSilenceStore } from './silence-store.js';

// The store's compare-and-set lives in Lua on the server, so these tests run against a real Redis
// (REDIS_URL overrides the local one) under a prefix of their own, deleted afterwards.
const redisUrl = inject('redisUrl');
const runPrefix = `tw-test:silences:${randomUUID()}:`;

const t0 = Date.UTC(2025, 0, 1, 12);
const minute = 60_000;
const hour = 60 * minute;

let redis: Redis;

beforeAll(() => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

function freshStore(options: { retentionMs?: number; cacheTtlMs?: number; prefix?: string } = {}) {
  return createSilenceStore(redis, { keyPrefix: options.prefix ?? `${runPrefix}${randomUUID()}:`, ...options });
}

const input: SilenceInput = {
  matchers: [{ name: 'alertname', value: 'DiskFull', type: '=' }],
  startsAt: t0,
  endsAt: t0 + hour,
  createdBy: 'ana',
  comment: 'disk swap',
};

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (alertingErrors.is(err)) return err.code;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('silence store', () => {
  it('round-trips a silence through Redis', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const store = freshStore({ prefix });
    const created = await store.create(input, t0);
    expect(created).toEqual({ ...input, id: expect.stringMatching(/^[0-9a-f-]{36}$/), updatedAt: t0 });
    expect(await store.get(created.id)).toEqual(created);
    // A second store on the same keys (another replica) reads the same record.
    expect(await freshStore({ prefix }).get(created.id)).toEqual(created);
    expect(await codeOf(store.get('no-such-id'))).toBe('TW_ALERT_SILENCE_NOT_FOUND');
  });

  it('starts a silence submitted with a past startsAt now, and refuses one already over', async () => {
    const store = freshStore();
    const s = await store.create({ ...input, startsAt: t0 - hour }, t0);
    expect(s.startsAt).toBe(t0);
    expect(await codeOf(store.create(input, t0 + hour))).toBe('TW_ALERT_SILENCE_INVALID');
    expect(await codeOf(store.create({ ...input, matchers: [] }, t0))).toBe('TW_ALERT_SILENCE_INVALID');
  });

  it('lists silences by state at now, in display order', async () => {
    const store = freshStore();
    const active = await store.create(input, t0);
    const pending = await store.create({ ...input, startsAt: t0 + hour, endsAt: t0 + 2 * hour }, t0);
    const expired = await store.create({ ...input, endsAt: t0 + minute }, t0);
    const now = t0 + 2 * minute;
    expect((await store.list(now)).map((s) => s.id)).toEqual([active.id, pending.id, expired.id]);
    expect((await store.list(now, { state: 'pending' })).map((s) => s.id)).toEqual([pending.id]);
    expect((await store.list(now, { state: 'expired' })).map((s) => s.id)).toEqual([expired.id]);
    // pending -> active -> expired as the clock moves.
    expect((await store.list(t0 + hour, { state: 'active' })).map((s) => s.id)).toEqual([pending.id]);
    expect((await store.list(t0 + hour, { state: 'expired' })).map((s) => s.id)).toEqual([active.id, expired.id]);
    expect((await store.list(t0 + 2 * hour, { state: 'expired' })).map((s) => s.id)).toHaveLength(3);
  });

  describe('update', () => {
    it('keeps the id when only endsAt, comment or createdBy change', async () => {
      const store = freshStore();
      const s = await store.create(input, t0);
      const updated = await store.update(s.id, { ...s, endsAt: t0 + 3 * hour, comment: 'longer', createdBy: 'bo' }, t0 + minute);
      expect(updated).toEqual({ ...s, endsAt: t0 + 3 * hour, comment: 'longer', createdBy: 'bo', updatedAt: t0 + minute });
      expect(await store.get(s.id)).toEqual(updated);
      expect(await store.list(t0 + minute)).toHaveLength(1);
    });

    it('expires an active silence and creates a new one when its matchers change', async () => {
      const store = freshStore();
      const s = await store.create(input, t0);
      const now = t0 + 10 * minute;
      const next = await store.update(s.id, { ...s, matchers: [{ name: 'alertname', value: 'Disk.*', type: '=~' }] }, now);
      expect(next.id).not.toBe(s.id);
      expect(next.startsAt).toBe(now);
      expect(await store.get(s.id)).toEqual({ ...s, endsAt: now, updatedAt: now });
      expect((await store.list(now, { state: 'active' })).map((x) => x.id)).toEqual([next.id]);
    });

    it('replaces an active silence whose startsAt changes', async () => {
      const store = freshStore();
      const s = await store.create(input, t0);
      const next = await store.update(s.id, { ...s, startsAt: t0 + 5 * minute }, t0 + minute);
      expect(next.id).not.toBe(s.id);
      expect(next.startsAt).toBe(t0 + 5 * minute);
      expect((await store.get(s.id)).endsAt).toBe(t0 + minute);
    });

    it('edits a pending silence in place while its start stays in the future', async () => {
      const store = freshStore();
      const s = await store.create({ ...input, startsAt: t0 + hour, endsAt: t0 + 2 * hour }, t0);
      const moved = await store.update(s.id, { ...s, startsAt: t0 + 30 * minute }, t0);
      expect(moved.id).toBe(s.id);
      expect(moved.startsAt).toBe(t0 + 30 * minute);
      // Moving the start into the past replaces it: the old one never starts, the new one starts now.
      const now = t0 + minute;
      const started = await store.update(s.id, { ...moved, startsAt: t0 - hour }, now);
      expect(started.id).not.toBe(s.id);
      expect(started.startsAt).toBe(now);
      const old = await store.get(s.id);
      expect([old.startsAt, old.endsAt]).toEqual([now, now]);
    });

    it('creates a new silence when the old one has expired, leaving the old one as it was', async () => {
      const store = freshStore();
      const s = await store.create({ ...input, endsAt: t0 + minute }, t0);
      const now = t0 + 2 * minute;
      const next = await store.update(s.id, { ...s, endsAt: now + hour }, now);
      expect(next.id).not.toBe(s.id);
      expect(await store.get(s.id)).toEqual(s);
    });

    it('refuses unknown ids, invalid input and an endsAt in the past', async () => {
      const store = freshStore();
      const s = await store.create(input, t0);
      expect(await codeOf(store.update('no-such-id', input, t0))).toBe('TW_ALERT_SILENCE_NOT_FOUND');
      expect(await codeOf(store.update(s.id, { ...s, comment: '' }, t0))).toBe('TW_ALERT_SILENCE_INVALID');
      expect(await codeOf(store.update(s.id, { ...s, endsAt: t0 + minute }, t0 + 2 * minute))).toBe('TW_ALERT_SILENCE_INVALID');
      expect(await store.get(s.id)).toEqual(s);
    });

    it('lets concurrent writers of one silence all succeed, one after the other', async () => {
      const store = freshStore();
      const s = await store.create(input, t0);
      const comments = ['one', 'two', 'three'];
      const results = await Promise.all(comments.map((comment) => store.update(s.id, { ...s, comment }, t0 + minute)));
      expect(results.map((r) => r.id)).toEqual([s.id, s.id, s.id]);
      expect(comments).toContain((await store.get(s.id)).comment);
    });
  });

  describe('expire', () => {
    it('ends an active silence now', async () => {
      const store = freshStore();
      const s = await store.create(input, t0);
      const expired = await store.expire(s.id, t0 + minute);
      expect(expired).toEqual({ ...s, endsAt: t0 + minute, updatedAt: t0 + minute });
      expect(await store.get(s.id)).toEqual(expired);
      expect(await store.list(t0 + minute, { state: 'expired' })).toHaveLength(1);
    });

    it('makes a pending silence expire without ever starting', async () => {
      const store = freshStore();
      const s = await store.create({ ...input, startsAt: t0 + hour, endsAt: t0 + 2 * hour }, t0);
      const expired = await store.expire(s.id, t0 + minute);
      expect([expired.startsAt, expired.endsAt]).toEqual([t0 + minute, t0 + minute]);
      expect(await store.active(t0 + hour + minute)).toEqual([]);
    });

    it('refuses to expire an expired silence or an unknown one', async () => {
      const store = freshStore();
      const s = await store.create(input, t0);
      await store.expire(s.id, t0 + minute);
      expect(await codeOf(store.expire(s.id, t0 + 2 * minute))).toBe('TW_ALERT_SILENCE_ALREADY_EXPIRED');
      expect(await codeOf(store.expire('no-such-id', t0))).toBe('TW_ALERT_SILENCE_NOT_FOUND');
    });
  });

  it('purges silences that expired longer ago than the retention period', async () => {
    const store = freshStore({ retentionMs: hour });
    const s = await store.create({ ...input, endsAt: t0 + minute }, t0);
    const kept = await store.create({ ...input, endsAt: t0 + 3 * hour }, t0);
    expect(await store.purge(t0 + minute + hour)).toBe(0);
    expect(await store.purge(t0 + minute + hour + 1)).toBe(1);
    expect(await codeOf(store.get(s.id))).toBe('TW_ALERT_SILENCE_NOT_FOUND');
    // Listing purges too.
    expect((await store.list(t0 + 4 * hour + 1)).map((x) => x.id)).toEqual([]);
    expect(await codeOf(store.get(kept.id))).toBe('TW_ALERT_SILENCE_NOT_FOUND');
  });

  describe('active', () => {
    const labels = { alertname: 'DiskFull', instance: 'db-1' };

    it('follows pending -> active -> expired from memory as now moves', async () => {
      const store = freshStore({ cacheTtlMs: 10 * hour });
      const s = await store.create({ ...input, startsAt: t0 + minute, endsAt: t0 + hour }, t0);
      expect(silencedBy(labels, await store.active(t0), t0)).toEqual([]);
      expect(silencedBy(labels, await store.active(t0 + minute), t0 + minute)).toEqual([s.id]);
      expect(silencedBy(labels, await store.active(t0 + hour), t0 + hour)).toEqual([]);
    });

    it("sees this store's writes at once and another replica's after the cache TTL", async () => {
      const prefix = `${runPrefix}${randomUUID()}:`;
      const here = freshStore({ prefix, cacheTtlMs: 5_000 });
      const there = freshStore({ prefix, cacheTtlMs: 5_000 });
      expect(await here.active(t0)).toEqual([]);
      const local = await here.create(input, t0);
      expect((await here.active(t0)).map((s) => s.id)).toEqual([local.id]);

      const remote = await there.create({ ...input, comment: 'from the other replica' }, t0);
      // Within the TTL the cached list is served without asking Redis...
      expect((await here.active(t0 + 4_999)).map((s) => s.id)).toEqual([local.id]);
      // ...after it, the version counter moved, so the list is reloaded.
      expect((await here.active(t0 + 5_000)).map((s) => s.id).sort()).toEqual([local.id, remote.id].sort());

      await there.expire(remote.id, t0 + 5_001);
      expect((await here.active(t0 + 10_001)).map((s) => s.id)).toEqual([local.id]);
    });

    it('serves the cache without reading Redis within the TTL, then checks the version once', async () => {
      const store = freshStore({ cacheTtlMs: 5_000 });
      await store.create(input, t0);
      await store.active(t0);
      const seen: string[] = [];
      const monitor = await redis.monitor();
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args.some((a) => a.startsWith(runPrefix))) seen.push(args.join(' '));
      });
      for (let i = 0; i < 100; i++) await store.active(t0 + i);
      // After the TTL, concurrent callers share one version check.
      await Promise.all(Array.from({ length: 10 }, () => store.active(t0 + 5_000)));
      await redis.ping(); // let the monitor catch up
      await monitor.disconnect();
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(/^get .*silences:version$/i);
    });
  });

  it('reports Redis failures as retriable TW_ALERT_SILENCE_STORE_UNAVAILABLE', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const store = createSilenceStore(down, { keyPrefix: runPrefix });
    let caught: unknown;
    try {
      await store.active(t0);
    } catch (err) {
      caught = err;
    }
    expect(alertingErrors.is(caught, 'TW_ALERT_SILENCE_STORE_UNAVAILABLE')).toBe(true);
    expect(alertingErrors.is(caught) && caught.retriable).toBe(true);
    down.disconnect();
  });
});
