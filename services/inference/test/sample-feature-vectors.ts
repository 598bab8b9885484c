import type { FeatureVector } from '@tidewater/schemas';

/**
 * Feature vectors shaped like the feature service's output for the demo model, for the
 * inference tests: `count` events spread over `entities` cards.
 */
export function sampleFeatureVectors(count: number, opts: { prefix: string; entities?: number; now?: number }): FeatureVector[] {
  const entities = opts.entities ?? 500;
  const now = opts.now ?? Date.now();
  const out: FeatureVector[] = [];
  for (let i = 0; i < count; i++) {
    const amount = 5 + ((i * 7919) % 50_000) / 100;
    const hour = i % 24;
    const count1h = 1 + (i % 6);
    out.push({
      event_id: `${opts.prefix}-${i}`,
      entity_key: `card-${i % entities}`,
      feature_set: 'card_velocity',
      feature_set_version: 'v1',
      event_time: now - 1000,
      ingested_at: now - 500,
      feature_time: now,
      late: false,
      features: {
        amount,
        log_amount: Math.log1p(amount),
        hour_of_day: hour,
        is_ecom: i % 3 === 0,
        is_night: hour < 6,
        txn_count_1h: count1h,
        amount_sum_1h: amount * count1h,
        amount_ratio_1h: 1 + (i % 5) / 10,
      },
    });
  }
  return out;
}
