import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '@tidewater/payment-simulator';
import { createWindowState, windowMs, type WindowAggregate } from './window-state.js';

// Window state lives in Lua on the server, so these tests run it against a real Redis (the one the
// machine runs; REDIS_URL overrides it) under a prefix of their own, deleted afterwards.
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const runPrefix = `tw-test:window-state:${randomUUID()}:`;

interface WindowEvent {
  readonly card_id: string;
  readonly event_id: string;
  readonly occurred_at: number;
  readonly amount: number;
}

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

/** A window state under a fresh prefix, so tests do not see each other's events. */
function freshWindows() {
  return createWindowState(redis, `${runPrefix}${randomUUID()}:`);
}

function ev(card: string, id: string, minutesFromT0: number, amount: number): WindowEvent {
  return { card_id: card, event_id: id, occurred_at: t0 + minutesFromT0 * minute, amount };
}

/**
 * What each application should return, computed the slow way: the distinct events of the card
 * applied so far (this one included) whose time lies in (t - window, t].
 */
function bruteForce(applied: readonly WindowEvent[]): WindowAggregate[] {
  return applied.map((e, i) => {
    const seen = new Map<string, WindowEvent>();
    for (const o of applied.slice(0, i + 1)) if (o.card_id === e.card_id && !seen.has(o.event_id)) seen.set(o.event_id, o);
    const inWindow = [...seen.values()].filter((o) => o.occurred_at > e.occurred_at - windowMs && o.occurred_at <= e.occurred_at);
    return { count: inWindow.length, sum: inWindow.reduce((s, o) => s + o.amount, 0) };
  });
}

/**
 * Random traffic for a few cards over six hours: bursts, redeliveries of earlier events and
 * events arriving out of order, each at most 50 minutes behind its card's newest event. The window
 * state drops events two hours older than the event being applied, so only lateness under an
 * hour is guaranteed to find every event its window needs.
 */
function randomTraffic(seed: number, n: number): WindowEvent[] {
  const rnd = createRandom(seed);
  const cards = ['card-a', 'card-b', 'card-c'];
  const byTime: WindowEvent[] = [];
  let t = t0;
  for (let i = 0; i < n; i++) {
    t += rnd.chance(0.3) ? rnd.int(0, 2 * minute) : rnd.int(0, 15 * minute);
    byTime.push({
      card_id: cards[rnd.int(0, cards.length)]!,
      event_id: `e${i}`,
      occurred_at: t,
      amount: Math.round(rnd.uniform(0, 500) * 100) / 100,
    });
  }
  // Arrival order: event time plus a random delay of up to 50 minutes.
  const arrivals = byTime
    .map((e) => ({ e, arrives: e.occurred_at + (rnd.chance(0.2) ? rnd.int(0, 50 * minute) : 0) }))
    .sort((a, b) => a.arrives - b.arrives);
  const out: WindowEvent[] = [];
  const newest = new Map<string, number>();
  for (const { e } of arrivals) {
    out.push(e);
    newest.set(e.card_id, Math.max(newest.get(e.card_id) ?? 0, e.occurred_at));
    if (rnd.chance(0.1)) {
      // Redeliver one of the last arrivals, within the same lateness bound as the rest.
      const candidates = out.slice(-20).filter((o) => o.occurred_at >= (newest.get(o.card_id) ?? 0) - 50 * minute);
      out.push(candidates[rnd.int(0, candidates.length)]!);
    }
  }
  return out;
}

function expectAggregates(actual: readonly WindowAggregate[], expected: readonly WindowAggregate[]): void {
  expect(actual.map((a) => a.count)).toEqual(expected.map((a) => a.count));
  actual.forEach((a, i) => expect(a.sum).toBeCloseTo(expected[i]!.sum, 6));
}

describe('createWindowState', () => {
  it('counts and sums the last hour, the event itself included', async () => {
    const windows = freshWindows();
    expect(await windows.applyBatch([ev('c', 'e1', 0, 10)])).toEqual([{ count: 1, sum: 10 }]);
    expect(await windows.applyBatch([ev('c', 'e2', 30, 20.5)])).toEqual([{ count: 2, sum: 30.5 }]);
    expect(await windows.applyBatch([ev('c', 'e3', 59, 0.25)])).toEqual([{ count: 3, sum: 30.75 }]);
  });

  it('excludes events an hour or more before the event (the window is open on the left)', async () => {
    const windows = freshWindows();
    await windows.applyBatch([ev('c', 'old', 0, 100), ev('c', 'recent', 1, 7)]);
    const [exactlyAnHourLater] = await windows.applyBatch([{ card_id: 'c', event_id: 'now', occurred_at: t0 + windowMs, amount: 1 }]);
    expect(exactlyAnHourLater).toEqual({ count: 2, sum: 8 });
    const [justInside] = await windows.applyBatch([{ card_id: 'c', event_id: 'edge', occurred_at: t0 + windowMs - 1, amount: 2 }]);
    expect(justInside).toEqual({ count: 3, sum: 109 });
    const [muchLater] = await windows.applyBatch([ev('c', 'later', 5 * 60, 3)]);
    expect(muchLater).toEqual({ count: 1, sum: 3 });
  });

  it('does not count later events in an earlier event window, nor other cards', async () => {
    const windows = freshWindows();
    await windows.applyBatch([ev('c', 'e1', 10, 5), ev('other', 'o1', 0, 1000)]);
    expect(await windows.applyBatch([ev('c', 'e0', 0, 3)])).toEqual([{ count: 1, sum: 3 }]);
    expect(await windows.applyBatch([ev('c', 'e2', 20, 1)])).toEqual([{ count: 3, sum: 9 }]);
  });

  it('counts an out-of-order event by its event time', async () => {
    const windows = freshWindows();
    await windows.applyBatch([ev('c', 'e1', 0, 1), ev('c', 'e3', 50, 4)]);
    // e2 happened at minute 30 but arrives last: its window holds e1 and itself, not the later e3.
    expect(await windows.applyBatch([ev('c', 'e2', 30, 2)])).toEqual([{ count: 2, sum: 3 }]);
    // An event at minute 70 sees e2 and e3 (e1 fell out of its hour).
    expect(await windows.applyBatch([ev('c', 'e4', 70, 8)])).toEqual([{ count: 3, sum: 14 }]);
  });

  it('applies the same event twice without changing the aggregate (redelivery)', async () => {
    const windows = freshWindows();
    const e1 = ev('c', 'e1', 0, 10);
    const e2 = ev('c', 'e2', 5, 20);
    expect(await windows.applyBatch([e1, e2])).toEqual([
      { count: 1, sum: 10 },
      { count: 2, sum: 30 },
    ]);
    expect(await windows.applyBatch([e2, e2, e1])).toEqual([
      { count: 2, sum: 30 },
      { count: 2, sum: 30 },
      { count: 1, sum: 10 },
    ]);
    expect(await windows.applyBatch([ev('c', 'e3', 10, 1)])).toEqual([{ count: 3, sum: 31 }]);
  });

  it('sets an expiry on its keys so idle cards do not keep state forever', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    await createWindowState(redis, prefix).applyBatch([ev('c', 'e1', 0, 1)]);
    for (const key of [`${prefix}{c}:events`, `${prefix}{c}:amounts`]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2 * windowMs);
    }
  });

  it('returns nothing for an empty batch', async () => {
    expect(await freshWindows().applyBatch([])).toEqual([]);
  });

  it.each([1, 2, 3])('matches a brute-force computation over random traffic (seed %i), batched or one by one', async (seed) => {
    const traffic = randomTraffic(seed, 300);
    const expected = bruteForce(traffic);

    const batched = await freshWindows().applyBatch(traffic);
    expectAggregates(batched, expected);

    const oneByOne: WindowAggregate[] = [];
    const single = freshWindows();
    for (const e of traffic) oneByOne.push(...(await single.applyBatch([e])));
    expectAggregates(oneByOne, expected);

    // Batches of uneven sizes, as consumer fetches deliver them.
    const rnd = createRandom(seed + 1000);
    const chunked: WindowAggregate[] = [];
    const chunkedWindows = freshWindows();
    for (let i = 0; i < traffic.length;) {
      const size = rnd.int(1, 40);
      chunked.push(...(await chunkedWindows.applyBatch(traffic.slice(i, i + size))));
      i += size;
    }
    expectAggregates(chunked, expected);
  });
});
