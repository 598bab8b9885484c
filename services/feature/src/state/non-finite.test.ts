import type { PaymentEvent } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';
import { defaultFeatureSetPath, evaluateFeatures, loadFeatureSet } from '@tidewater/feature-set';
import { applyEvent, emptyState } from './entity-state.js';

// Issue 20, part 1: no feature of card-fraud is ever NaN or ±Infinity, whatever the amounts the
// window state has seen; one that cannot be computed is null and reported.
const cardFraud = loadFeatureSet(defaultFeatureSetPath);
const t0 = Date.UTC(2026, 11, 6, 10);

function payment(i: number, amount: number): PaymentEvent {
  return {
    event_id: `e-${i}`,
    occurred_at: t0 + i * 60_000,
    ingested_at: t0 + i * 60_000,
    card_id: 'card-1',
    amount,
    currency: 'EUR',
    merchant_id: 'm-1',
    merchant_category: '5411',
    country: 'DE',
    channel: 'ecom',
  };
}

function nonFinite(features: Record<string, unknown>): string[] {
  return Object.entries(features)
    .filter(([, v]) => typeof v === 'number' && !Number.isFinite(v))
    .map(([k]) => k);
}

describe('card-fraud features under amounts that overflow', () => {
  it('publishes null, never NaN or Infinity, for sums and squares that overflow, and says which', () => {
    const state = emptyState(cardFraud);
    const notComputed: string[] = [];
    const vectors = [1e308, Number.MAX_VALUE, 1e200, 10].map((amount, i) =>
      evaluateFeatures(cardFraud, payment(i, amount), applyEvent(cardFraud, state, payment(i, amount)), undefined, (f) =>
        notComputed.push(f),
      ),
    );
    for (const v of vectors) expect(nonFinite(v)).toEqual([]);
    // Two 1e308s sum to Infinity; 1e200 squared is Infinity, so the 7-day stddev cannot be computed.
    expect(vectors[1]!['amount_sum_1h']).toBeNull();
    expect(vectors[2]!['amount_stddev_7d']).toBeNull();
    // The ordinary payment after them: its own features are there, the poisoned aggregates are null.
    expect(vectors[3]).toMatchObject({ amount: 10, txn_count_1h: 4, amount_sum_1h: null, amount_stddev_7d: null });
    expect(new Set(notComputed)).toEqual(
      new Set(['amount_sum_10m', 'amount_sum_1h', 'amount_mean_1h', 'amount_mean_7d', 'amount_stddev_7d']),
    );
  });

  it('computes the same card normally again once the overflowing bucket left every window', () => {
    const state = emptyState(cardFraud);
    applyEvent(cardFraud, state, payment(0, 1e308));
    applyEvent(cardFraud, state, payment(1, 1e308));
    const later = payment(8 * 24 * 60, 10);
    const v = evaluateFeatures(cardFraud, later, applyEvent(cardFraud, state, later));
    expect(nonFinite(v)).toEqual([]);
    expect(v).toMatchObject({ amount: 10, amount_sum_1h: 10, amount_mean_7d: 10, amount_stddev_7d: 0 });
  });
});
