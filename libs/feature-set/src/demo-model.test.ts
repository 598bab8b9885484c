import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from '@tidewater/schemas';
import { computeFeatures } from './demo-model.js';

function event(overrides: Partial<PaymentEvent>): PaymentEvent {
  return {
    event_id: 'evt-1',
    occurred_at: Date.UTC(2025, 0, 1, 14, 30),
    ingested_at: Date.UTC(2025, 0, 1, 14, 30, 1),
    card_id: 'card-1',
    amount: 100,
    currency: 'EUR',
    merchant_id: 'm-1',
    merchant_category: '5411',
    country: 'DE',
    channel: 'pos',
    ...overrides,
  };
}

describe('computeFeatures', () => {
  it('computes every feature of the demo model from the event and its window', () => {
    expect(computeFeatures(event({ amount: 30, channel: 'ecom' }), { count: 3, sum: 60 })).toEqual({
      amount: 30,
      log_amount: Math.log(31),
      hour_of_day: 14,
      is_ecom: 1,
      is_night: 0,
      txn_count_1h: 3,
      amount_sum_1h: 60,
      amount_ratio_1h: 1.5,
    });
  });

  it('takes the hour in UTC, and calls hours 0 to 5 night', () => {
    const at = (h: number, m = 0) => computeFeatures(event({ occurred_at: Date.UTC(2025, 0, 1, h, m) }), { count: 1, sum: 100 });
    expect([0, 5, 6, 23].map((h) => at(h, 59).hour_of_day)).toEqual([0, 5, 6, 23]);
    expect([0, 3, 5].map((h) => at(h, 59).is_night)).toEqual([1, 1, 1]);
    expect([6, 12, 23].map((h) => at(h).is_night)).toEqual([0, 0, 0]);
    // 23:30 in New York on Dec 31 is 04:30 UTC on Jan 1: night by the model's clock.
    expect(computeFeatures(event({ occurred_at: Date.parse('2024-12-31T23:30:00-05:00') }), { count: 1, sum: 100 })).toMatchObject({
      hour_of_day: 4,
      is_night: 1,
    });
  });

  it('marks only ecom as online', () => {
    const w = { count: 1, sum: 100 };
    expect((['ecom', 'pos', 'atm', 'moto', 'unknown'] as const).map((channel) => computeFeatures(event({ channel }), w).is_ecom)).toEqual([
      1, 0, 0, 0, 0,
    ]);
  });

  it('uses ln(1 + amount), so a zero amount gives 0', () => {
    expect(computeFeatures(event({ amount: 0 }), { count: 1, sum: 0 }).log_amount).toBe(0);
    expect(computeFeatures(event({ amount: Math.E - 1 }), { count: 1, sum: Math.E - 1 }).log_amount).toBeCloseTo(1, 12);
  });

  it('gives a ratio of 1 when the window is empty or sums to zero', () => {
    expect(computeFeatures(event({ amount: 50 }), { count: 0, sum: 0 })).toMatchObject({
      txn_count_1h: 0,
      amount_sum_1h: 0,
      amount_ratio_1h: 1,
    });
    expect(computeFeatures(event({ amount: 0 }), { count: 0, sum: 0 }).amount_ratio_1h).toBe(1);
    expect(computeFeatures(event({ amount: 0 }), { count: 2, sum: 0 }).amount_ratio_1h).toBe(1);
  });

  it('divides the amount by the mean amount of the window', () => {
    expect(computeFeatures(event({ amount: 10 }), { count: 1, sum: 10 }).amount_ratio_1h).toBe(1);
    expect(computeFeatures(event({ amount: 400 }), { count: 4, sum: 430 }).amount_ratio_1h).toBeCloseTo(400 / 107.5, 12);
    expect(computeFeatures(event({ amount: 0 }), { count: 2, sum: 50 }).amount_ratio_1h).toBe(0);
  });

  it('returns only finite numbers', () => {
    for (const [amount, count, sum] of [
      [0, 0, 0],
      [1e9, 1, 1e9],
      [0.01, 5000, 1e7],
    ] as const) {
      for (const v of Object.values(computeFeatures(event({ amount }), { count, sum }))) expect(Number.isFinite(v)).toBe(true);
    }
  });
});
