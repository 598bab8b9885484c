import { createRandom } from '@tidewater/payment-simulator';
import type { PaymentEvent } from '@tidewater/schemas';

/**
 * Deterministic payment events for tests and the benchmark: `cards` cards over `spanMs` of event
 * time, mostly in order, a share delayed (out of order) and a few far behind (late for a 1h
 * allowed lateness). Ids are `<prefix>-<n>`.
 */
export function samplePaymentEvents(
  count: number,
  opts: { seed?: number; cards?: number; prefix?: string; start?: number; spanMs?: number } = {},
): PaymentEvent[] {
  const rnd = createRandom(opts.seed ?? 1);
  const cards = opts.cards ?? 200;
  const start = opts.start ?? Date.UTC(2025, 0, 1);
  const step = (opts.spanMs ?? 2 * 86_400_000) / count;
  const prefix = opts.prefix ?? 'evt';
  const channels = ['ecom', 'pos', 'atm', 'moto'] as const;
  const countries = ['DE', 'FR', 'NL', 'US', 'GB'];
  return Array.from({ length: count }, (_, i) => {
    const delay = rnd.chance(0.05) ? rnd.int(2, 4) * 3_600_000 : rnd.chance(0.2) ? rnd.int(0, 20 * 60_000) : 0;
    const t = Math.round(start + i * step - delay);
    return {
      event_id: `${prefix}-${i}`,
      occurred_at: t,
      ingested_at: t + 1000,
      card_id: `card-${rnd.int(0, cards)}`,
      amount: Math.round(Math.exp(rnd.normal(3.5, 1)) * 100) / 100,
      currency: 'EUR',
      merchant_id: `m-${rnd.int(0, 400)}`,
      merchant_category: String(5000 + rnd.int(0, 12)),
      country: countries[rnd.int(0, countries.length)]!,
      channel: channels[rnd.int(0, channels.length)]!,
    };
  });
}
