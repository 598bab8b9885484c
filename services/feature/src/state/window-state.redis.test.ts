import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { PaymentEvent } from '@tidewater/schemas';
import { defineFeatureSet, defaultFeatureSetPath, evaluateFeatures, loadFeatureSet, type FeatureSet } from '@tidewater/feature-set';
import { bruteForceStates, distinct, stddev, sum, values, type ExpectedState } from '../../test/brute-force-windows.js';
import { decodeState, layoutOf } from './entity-state.js';
import { createWindowState, entityKeys, type AlongsideWrites, type EventState } from './window-state.js';

// The state is read from and written back to Redis with a compare-and-set script, so these tests
// run against the real Redis (the one the machine runs; REDIS_URL overrides it) under a prefix of
// their own, deleted afterwards.
const redisUrl = inject('redisUrl');
const runPrefix = `tw-test:feature-state:${randomUUID()}:`;
const t0 = Date.UTC(2025, 0, 1, 12);
const minute = 60_000;

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

/** Every aggregation over three windows with different bucket sizes, and a short lateness. */
const testSetSource = {
  name: 'state-test',
  version: 1,
  entity: 'card_id',
  allowed_lateness: '30m',
  windows: { '10m': { bucket: '1m' }, '1h': { bucket: '5m' }, '24h': { bucket: '1h' } },
  features: ['10m', '1h', '24h'].flatMap((w) => [
    { name: `n_${w}`, kind: 'aggregate', fn: 'count', window: w },
    { name: `sum_${w}`, kind: 'aggregate', fn: 'sum', of: 'amount', window: w },
    { name: `mean_${w}`, kind: 'aggregate', fn: 'mean', of: 'amount', window: w },
    { name: `min_${w}`, kind: 'aggregate', fn: 'min', of: 'amount', window: w },
    { name: `max_${w}`, kind: 'aggregate', fn: 'max', of: 'amount', window: w },
    { name: `sd_${w}`, kind: 'aggregate', fn: 'stddev', of: 'amount', window: w },
    { name: `merchants_${w}`, kind: 'aggregate', fn: 'distinct_count', of: 'merchant_id', window: w },
  ]),
};
const testSet = defineFeatureSet(testSetSource);

const fresh = (fs: FeatureSet = testSet) => createWindowState(redis, fs, `${runPrefix}${randomUUID()}:`);

function payment(card: string, id: string, at: number, amount: number, merchant = 'm-1'): PaymentEvent {
  return {
    event_id: id,
    occurred_at: at,
    ingested_at: at,
    card_id: card,
    amount,
    currency: 'EUR',
    merchant_id: merchant,
    merchant_category: '5411',
    country: 'DE',
    channel: 'pos',
  };
}

/**
 * Random traffic: a few cards, bursts and gaps, arrivals delayed by up to twice the allowed
 * lateness (so some events are late), and redeliveries of earlier events.
 */
const trafficArb = fc
  .array(
    fc.record({
      card: fc.integer({ min: 0, max: 2 }),
      gapMs: fc.oneof(fc.integer({ min: 0, max: 2 * minute }), fc.integer({ min: 0, max: 90 * minute })),
      delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 * minute })),
      amount: fc.double({ min: 0, max: 5000, noNaN: true }).map((a) => Math.round(a * 100) / 100),
      merchant: fc.integer({ min: 0, max: 12 }),
      redeliver: fc.option(fc.nat(), { freq: 8 }),
    }),
    { minLength: 1, maxLength: 150 },
  )
  .map((rows) => {
    let t = t0;
    const byTime = rows.map((r, i) => {
      t += r.gapMs;
      return { e: payment(`card-${r.card}`, `e${i}`, t, r.amount, `m-${r.merchant}`), arrives: t + r.delayMs, redeliver: r.redeliver };
    });
    const arrivals = [...byTime].sort((a, b) => a.arrives - b.arrives);
    const out: PaymentEvent[] = [];
    for (const a of arrivals) {
      out.push(a.e);
      if (a.redeliver !== null) out.push(out[a.redeliver % out.length]!);
    }
    return out;
  });

function expectMatches(actual: readonly EventState[], expected: readonly ExpectedState[], fs: FeatureSet): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const x = expected[i]!;
    const at = `event ${i}`;
    expect({ at, late: a.late, duplicate: a.duplicate, prev: a.previousEventTime }).toEqual({
      at,
      late: x.late,
      duplicate: x.duplicate,
      prev: x.previousEventTime,
    });
    for (const w of fs.windows) {
      const got = a.windows[w.name]!;
      const want = x.windows[w.name]!;
      expect({ at, window: w.name, count: got.count }).toEqual({ at, window: w.name, count: want.events.length });
      for (const f of w.fields) {
        const xs = values(want, f);
        const s = got.fields[f]!;
        expect(s.sum).toBeCloseTo(sum(xs), 6);
        expect(s.sumsq).toBeCloseTo(sum(xs.map((v) => v * v)), 2);
        expect({ at, min: s.min, max: s.max }).toEqual({
          at,
          min: xs.length ? Math.min(...xs) : null,
          max: xs.length ? Math.max(...xs) : null,
        });
      }
      // Distinct counts are exact while every bucket holds at most EXACT_LIMIT values (distinct-sketch.ts).
      for (const f of w.distinct)
        expect({ at, window: w.name, [f]: got.distinct[f] }).toEqual({ at, window: w.name, [f]: distinct(want, f) });
    }
  });
}

async function inChunks(fs: FeatureSet, events: readonly PaymentEvent[], sizes: readonly number[]): Promise<EventState[]> {
  const state = fresh(fs);
  const out: EventState[] = [];
  let i = 0;
  for (let k = 0; i < events.length; k++) {
    const size = sizes[k % sizes.length]!;
    out.push(...(await state.applyBatch(events.slice(i, i + size))));
    i += size;
  }
  return out;
}

describe('createWindowState', () => {
  it('counts the event itself and earlier events of its card in each window', async () => {
    const state = fresh();
    const [a] = await state.applyBatch([payment('c', 'e1', t0, 10)]);
    expect(a!.windows['10m']).toEqual({
      count: 1,
      fields: { amount: { sum: 10, sumsq: 100, min: 10, max: 10 } },
      distinct: { merchant_id: 1 },
    });
    const [b] = await state.applyBatch([payment('c', 'e2', t0 + 5 * minute, 20, 'm-2')]);
    expect(b!.windows['10m']).toEqual({
      count: 2,
      fields: { amount: { sum: 30, sumsq: 500, min: 10, max: 20 } },
      distinct: { merchant_id: 2 },
    });
    expect(b!.previousEventTime).toBe(t0);
  });

  it('drops buckets that left the window: a 10m window holds the 10 one-minute buckets ending with the event', async () => {
    const state = fresh();
    await state.applyBatch([payment('c', 'old', t0, 1), payment('c', 'mid', t0 + 9 * minute, 2)]);
    const [r] = await state.applyBatch([payment('c', 'now', t0 + 10 * minute, 4)]);
    expect(r!.windows['10m']!.count).toBe(2); // 'old' is 10 buckets back
    expect(r!.windows['1h']!.count).toBe(3);
  });

  it('skips an event id it already applied, and does not apply late events', async () => {
    const state = fresh();
    const e1 = payment('c', 'e1', t0, 10);
    await state.applyBatch([e1, payment('c', 'e2', t0 + 20 * minute, 5)]);
    // 'late' is 35 minutes behind the card's newest event; the allowed lateness is 30.
    const [again, late] = await state.applyBatch([e1, payment('c', 'late', t0 - 15 * minute, 99)]);
    expect(again).toMatchObject({ duplicate: true, late: false });
    expect(again!.windows['1h']!.count).toBe(1);
    expect(late).toMatchObject({ duplicate: false, late: true });
    // A late event reads the windows ending with the newest event.
    expect(late!.windows['1h']!.fields.amount!.sum).toBe(15);
    const [after] = await state.applyBatch([payment('c', 'e3', t0 + 21 * minute, 1)]);
    expect(after!.windows['1h']).toMatchObject({ count: 3, fields: { amount: { sum: 16 } } });
  });

  it('keeps, across batches, the ids and the oldest bucket an event exactly at the allowed lateness still needs', async () => {
    const state = fresh();
    const edge = payment('c', 'edge', t0 + 9 * minute, 4);
    await state.applyBatch([payment('c', 'e1', t0, 1), edge, payment('c', 'e2', t0 + 39 * minute, 2)]);
    // 30 minutes (the allowed lateness) behind the newest event: not late, so its id must still be known...
    const [again] = await state.applyBatch([edge]);
    expect(again).toMatchObject({ late: false, duplicate: true });
    // ...and its 10m window reaches back to t0's bucket.
    expect(again!.windows['10m']).toMatchObject({ count: 2, fields: { amount: { sum: 5 } } });
    const [other] = await state.applyBatch([payment('c', 'e3', t0 + 9 * minute, 8)]);
    expect(other).toMatchObject({ late: false, duplicate: false });
    expect(other!.windows['10m']).toMatchObject({ count: 3, fields: { amount: { sum: 13 } } });
    const [before] = await state.applyBatch([payment('c', 'e4', t0 + 9 * minute - 1, 16)]);
    expect(before).toMatchObject({ late: true });
  });

  it('stores and reads back a bucket past the exact limit (HyperLogLog registers) and non-ASCII ids', async () => {
    const state = fresh();
    const many = Array.from({ length: 300 }, (_, i) => payment('c', `e${i}`, t0 + i, 1, `merchant-${i}`));
    await state.applyBatch([...many.slice(0, 280), payment('c', 'ünïcödé-€', t0 + 500, 1, 'merchant-0')]);
    // The next batch decodes the registers written by the first, and the multi-byte id.
    const [again, last] = await state.applyBatch([payment('c', 'ünïcödé-€', t0 + 500, 1, 'merchant-0'), ...many.slice(280)]);
    expect(again).toMatchObject({ duplicate: true, late: false });
    expect(again!.windows['10m']!.count).toBe(281);
    const states = await state.applyBatch(many.slice(299));
    expect(states[0]).toMatchObject({ duplicate: true });
    expect(last!.windows['10m']!.count).toBe(282);
    // 300 distinct merchants by the end: within three standard errors (0.81% each) of the truth.
    expect(Math.abs(states[0]!.windows['10m']!.distinct.merchant_id! - 300)).toBeLessThanOrEqual(300 * 3 * 0.0081);
  });

  it('sets a TTL on the state so idle entities expire', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    await createWindowState(redis, testSet, prefix).applyBatch([payment('c', 'e1', t0, 1)]);
    expect(await redis.keys(`${prefix}*`)).toEqual([entityKeys(prefix, 'c').state]);
    const ttl = await redis.pttl(entityKeys(prefix, 'c').state);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(testSet.retentionMs + 3_600_000);
  });

  it('keeps memory per entity bounded: at most a ring of buckets per window, ids within the allowed lateness', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const state = createWindowState(redis, testSet, prefix);
    const events = Array.from({ length: 600 }, (_, i) => payment('c', `e${i}`, t0 + i * 7 * minute, 1, `m-${i}`));
    for (let i = 0; i < events.length; i += 100) await state.applyBatch(events.slice(i, i + 100));
    const stored = decodeState(testSet, layoutOf(testSet), await redis.getBuffer(entityKeys(prefix, 'c').state));
    expect(stored.version).toBe(600);
    testSet.windows.forEach((w, wi) => {
      expect(stored.windows[wi]!.length).toBeGreaterThan(0);
      expect(stored.windows[wi]!.length).toBeLessThanOrEqual(w.ring);
    });
    // An id older than the newest event minus the allowed lateness belongs to a late event: not kept.
    expect(stored.ids.size).toBeLessThanOrEqual(Math.ceil(testSet.allowedLatenessMs / (7 * minute)) + 1);
    expect(stored.ids.size).toBeGreaterThan(0);
  });

  it('recomputes an entity another writer changed between its read and its write', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const a = createWindowState(redis, testSet, prefix);
    const b = createWindowState(redis, testSet, prefix);
    await a.applyBatch([payment('c', 'e0', t0, 1)]);
    // Both read the same version; the first write wins, the second finds the version changed,
    // re-reads and applies its event on top (same connection, so the order is fixed).
    const [[fromA], [fromB]] = await Promise.all([
      a.applyBatch([payment('c', 'e1', t0 + minute, 10)]),
      b.applyBatch([payment('c', 'e2', t0 + 2 * minute, 100)]),
    ]);
    expect(fromA!.windows['10m']).toMatchObject({ count: 2, fields: { amount: { sum: 11 } } });
    expect(fromB!.windows['10m']).toMatchObject({ count: 3, fields: { amount: { sum: 111 } } });
    const [after] = await a.applyBatch([payment('c', 'e3', t0 + 3 * minute, 1000)]);
    expect(after!.windows['10m']).toMatchObject({ count: 4, fields: { amount: { sum: 1111 } } });
  });

  it('never applies a replayed event twice after the allowed lateness was raised', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const withLateness = (lateness: string) =>
      createWindowState(redis, defineFeatureSet({ ...testSetSource, allowed_lateness: lateness }), prefix);
    // e1's id is trimmed once e2 is an hour newer (lateness 30m).
    await withLateness('30m').applyBatch([payment('c', 'e1', t0, 1), payment('c', 'e2', t0 + 60 * minute, 10)]);
    const raised = withLateness('3h');
    const [replay] = await raised.applyBatch([payment('c', 'e1', t0, 1)]);
    expect(replay).toMatchObject({ late: true, duplicate: false });
    const [next] = await raised.applyBatch([payment('c', 'e3', t0 + 60 * minute + 1, 100)]);
    expect(next!.windows['24h']).toMatchObject({ count: 3, fields: { amount: { sum: 111 } } });
  });

  it('replaces a stored value that is not a state by an empty state, and says so', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const unreadable: string[] = [];
    const state = createWindowState(redis, testSet, prefix, { onUnreadable: (entity) => unreadable.push(entity) });
    for (const junk of [Buffer.alloc(12), Buffer.from('abc'), Buffer.alloc(300, 7)]) {
      await redis.set(entityKeys(prefix, 'c').state, junk);
      const [r] = await state.applyBatch([payment('c', `e-${junk.length}`, t0, 5)]);
      expect(r).toMatchObject({ late: false, duplicate: false, previousEventTime: null });
      expect(r!.windows['10m']).toMatchObject({ count: 1, fields: { amount: { sum: 5 } } });
    }
    expect(unreadable).toEqual(['c', 'c', 'c']);
    // What it wrote instead is a state again.
    const [again] = await state.applyBatch([payment('c', 'e-next', t0 + minute, 7)]);
    expect(again!.windows['10m']).toMatchObject({ count: 2, fields: { amount: { sum: 12 } } });
    expect(unreadable).toHaveLength(3);
  });

  it('fails the batch, retriably, when the entity keeps changing under it', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const key = entityKeys(prefix, 'c').state;
    await createWindowState(redis, testSet, prefix).applyBatch([payment('c', 'e0', t0, 1)]);
    // Another writer bumps the version after every read of this state.
    const meddler = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const racing = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop !== 'mgetBuffer') return Reflect.get(target, prop, receiver) as unknown;
        return async (keys: string[]) => {
          const replies = await target.mgetBuffer(keys);
          const value = await meddler.getBuffer(key);
          if (value) {
            value.writeDoubleLE(value.readDoubleLE(0) + 1000, 0);
            await meddler.set(key, value);
          }
          return replies;
        };
      },
    });
    try {
      await expect(createWindowState(racing, testSet, prefix).applyBatch([payment('c', 'e1', t0 + minute, 1)])).rejects.toMatchObject({
        code: 'TW_FEATURE_STATE_UPDATE_FAILED',
        retriable: true,
      });
    } finally {
      await meddler.quit();
    }
  });

  it('matches a brute-force computation over random traffic with out-of-order, late and redelivered events', async () => {
    const seen = { late: 0, duplicate: 0 };
    await fc.assert(
      fc.asyncProperty(trafficArb, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }), async (traffic, sizes) => {
        const expected = bruteForceStates(testSet, traffic);
        seen.late += expected.filter((x) => x.late).length;
        seen.duplicate += expected.filter((x) => x.duplicate).length;
        expectMatches(await fresh().applyBatch(traffic), expected, testSet);
        expectMatches(await inChunks(testSet, traffic, sizes), expected, testSet);
      }),
      { numRuns: 40 },
    );
    // The generator must exercise what the test claims to cover.
    expect(seen.late).toBeGreaterThan(0);
    expect(seen.duplicate).toBeGreaterThan(0);
  });

  it('computes the card-fraud features from Redis state as the brute force does from the event list', async () => {
    const cardFraud = loadFeatureSet(defaultFeatureSetPath);
    await fc.assert(
      fc.asyncProperty(trafficArb, async (traffic) => {
        const states = await fresh(cardFraud).applyBatch(traffic);
        const expected = bruteForceStates(cardFraud, traffic);
        traffic.forEach((e, i) => {
          const got = evaluateFeatures(cardFraud, e, states[i]!);
          const x = expected[i]!.windows;
          const amounts = (w: string) => values(x[w]!, 'amount');
          const mean = (w: string) => (amounts(w).length ? sum(amounts(w)) / amounts(w).length : null);
          expect(got).toMatchObject({
            amount: e.amount,
            merchant_category: e.merchant_category,
            country: e.country,
            channel: e.channel,
            txn_count_10m: amounts('10m').length,
            txn_count_1h: amounts('1h').length,
            txn_count_24h: amounts('24h').length,
            amount_max_1h: amounts('1h').length ? Math.max(...amounts('1h')) : null,
            amount_min_24h: amounts('24h').length ? Math.min(...amounts('24h')) : null,
            merchants_24h: distinct(x['24h']!, 'merchant_id'),
            countries_24h: distinct(x['24h']!, 'country'),
          });
          expect(got['amount_sum_10m']).toBeCloseTo(sum(amounts('10m')), 6);
          expect(got['amount_sum_1h']).toBeCloseTo(sum(amounts('1h')), 6);
          const m7 = mean('7d');
          if (m7 === null) expect(got['amount_mean_7d']).toBeNull();
          else expect(got['amount_mean_7d']).toBeCloseTo(m7, 6);
          const sd = stddev(amounts('7d'));
          if (sd === null) expect(got['amount_stddev_7d']).toBeNull();
          else expect(got['amount_stddev_7d'] as number).toBeCloseTo(sd, 3);
          const prev = expected[i]!.previousEventTime;
          expect(got['seconds_since_last_event']).toBe(prev === null ? null : Math.max(0, e.occurred_at - prev) / 1000);
          const m1 = mean('1h');
          expect(got['amount_ratio_1h']).toBeCloseTo(m1 !== null && m1 > 0 ? e.amount / m1 : 1, 9);
        });
      }),
      { numRuns: 15 },
    );
  });

  it('returns nothing for an empty batch', async () => {
    expect(await fresh().applyBatch([])).toEqual([]);
  });
});

describe('createWindowState with online entries alongside (one round trip for both)', () => {
  const onlineKey = (prefix: string, entity: string) => `${prefix}online:{${entity}}`;
  /** Entries whose value names the event and the count its state had: what a vector would carry. */
  const alongside = (prefix: string, events: readonly PaymentEvent[], calls: number[][] = []): AlongsideWrites => ({
    ttlMs: 60_000,
    entries: (applied, results) => {
      calls.push([...applied]);
      return applied.map((i) => ({
        entity: events[i]!.card_id,
        key: onlineKey(prefix, events[i]!.card_id),
        eventTime: events[i]!.occurred_at,
        value: Buffer.from(`${events[i]!.event_id}:${results[i]!.windows['10m']!.count}`),
      }));
    },
  });
  const stored = async (prefix: string, entity: string) => {
    const [t, v] = await redis.hmget(onlineKey(prefix, entity), 't', 'v');
    return { t: t === null ? null : Number(t), v, ttl: await redis.pttl(onlineKey(prefix, entity)) };
  };

  it('stores each entry with its TTL, and keeps the newest by event time', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const state = createWindowState(redis, testSet, prefix);
    const batch = [payment('a', 'a1', t0, 1), payment('b', 'b1', t0, 2), payment('a', 'a2', t0 + minute, 3)];
    await state.applyBatch(batch, alongside(prefix, batch));
    expect(await stored(prefix, 'a')).toMatchObject({ t: t0 + minute, v: 'a2:2' });
    expect((await stored(prefix, 'a')).ttl).toBeGreaterThan(0);
    expect(await stored(prefix, 'b')).toMatchObject({ t: t0, v: 'b1:1' });
    // An older event arriving later (within the lateness) updates the state but not the newest entry.
    const older = [payment('a', 'a0', t0 + 30_000, 4)];
    await state.applyBatch(older, alongside(prefix, older));
    expect(await stored(prefix, 'a')).toMatchObject({ t: t0 + minute, v: 'a2:2' });
  });

  it('stores the entry of an entity whose state did not change (a redelivered event)', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const state = createWindowState(redis, testSet, prefix);
    const e1 = payment('c', 'e1', t0, 1);
    await state.applyBatch([e1]);
    expect(await stored(prefix, 'c')).toMatchObject({ v: null });
    const [again] = await state.applyBatch([e1], alongside(prefix, [e1]));
    expect(again!.duplicate).toBe(true);
    expect(await stored(prefix, 'c')).toMatchObject({ t: t0, v: 'e1:1' });
  });

  it('drops the entry computed from a state another writer changed, and stores the recomputed one', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const a = createWindowState(redis, testSet, prefix);
    const b = createWindowState(redis, testSet, prefix);
    await a.applyBatch([payment('c', 'e0', t0, 1)]);
    const fromA = [payment('c', 'e1', t0 + minute, 10)];
    const fromB = [payment('c', 'e2', t0 + 2 * minute, 100)];
    // B's first entry would win over everything if it were stored (the newest event time there is).
    const callsB: number[][] = [];
    const staleFirst: AlongsideWrites = {
      ttlMs: 60_000,
      entries: (applied, results) => {
        const first = callsB.length === 0;
        callsB.push([...applied]);
        const count = results[0]!.windows['10m']!.count;
        return [
          {
            entity: 'c',
            key: onlineKey(prefix, 'c'),
            eventTime: first ? t0 + 999 * minute : t0 + 2 * minute,
            value: Buffer.from(`e2:${count}`),
          },
        ];
      },
    };
    // Same connection: both read the same version, A's write lands first and B's is refused.
    await Promise.all([a.applyBatch(fromA, alongside(prefix, fromA)), b.applyBatch(fromB, staleFirst)]);
    expect(callsB).toEqual([[0], [0]]);
    expect(await stored(prefix, 'c')).toMatchObject({ t: t0 + 2 * minute, v: 'e2:3' });
  });

  it('writes the entries of a batch of more entities than one script call takes', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const state = createWindowState(redis, testSet, prefix);
    const batch = Array.from({ length: 1_200 }, (_, i) => payment(`card-${i}`, `e${i}`, t0 + i, i));
    const calls: number[][] = [];
    await state.applyBatch(batch, alongside(prefix, batch, calls));
    expect(calls).toHaveLength(1);
    const values = await Promise.all([0, 499, 500, 1_199].map((i) => stored(prefix, `card-${i}`)));
    expect(values.map((x) => x.v)).toEqual(['e0:1', 'e499:1', 'e500:1', 'e1199:1']);
  });
});
