import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentEvent } from '@tidewater/schemas';
import { defineFeatureSet, defaultFeatureSetPath, loadFeatureSet, type FeatureSet } from '../feature-set/definition.js';
import { evaluateFeatures } from '../feature-set/evaluate.js';
import { bruteForceStates, distinct, stddev, sum, values, type ExpectedState } from './brute-force.test-support.js';
import { createWindowState, entityKeys, type EventState } from './window-state.js';

// The state lives in Lua on the server, so these tests run it against the real Redis (the one the
// machine runs; REDIS_URL overrides it) under a prefix of their own, deleted afterwards.
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
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
const testSet = defineFeatureSet({
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
});

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
      // HyperLogLog: Redis's sparse encoding is exact at these cardinalities in practice; allow 2%.
      for (const f of w.distinct) expect(Math.abs(got.distinct[f]! - distinct(want, f))).toBeLessThanOrEqual(distinct(want, f) * 0.02);
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

  it('sets TTLs on every key so idle entities expire', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    await createWindowState(redis, testSet, prefix).applyBatch([payment('c', 'e1', t0, 1)]);
    const keys = entityKeys(prefix, 'c');
    const hll = await redis.keys(`${keys.hllPrefix}*`);
    expect(hll.length).toBe(3);
    for (const key of [keys.state, keys.ids, ...hll]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(testSet.retentionMs + 3_600_000);
    }
  });

  it('keeps memory per entity bounded: the ring holds at most its slots whatever the history', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const state = createWindowState(redis, testSet, prefix);
    const events = Array.from({ length: 600 }, (_, i) => payment('c', `e${i}`, t0 + i * 7 * minute, 1, `m-${i}`));
    for (let i = 0; i < events.length; i += 100) await state.applyBatch(events.slice(i, i + 100));
    const fields = await redis.hlen(entityKeys(prefix, 'c').state);
    const slots = testSet.windows.reduce((n, w) => n + w.ring * (1 + w.distinct.length), 1);
    expect(fields).toBeLessThanOrEqual(slots);
    // Ids older than the retention (longest window + lateness) are trimmed.
    expect(await redis.zcard(entityKeys(prefix, 'c').ids)).toBeLessThanOrEqual(Math.ceil(testSet.retentionMs / (7 * minute)) + 1);
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
