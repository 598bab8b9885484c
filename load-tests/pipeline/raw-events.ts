import { createRandom, generatePayments, type SyntheticPayment } from '@tidewater/payment-simulator';

const categories = ['5411', '5812', '5999', '4121', '5732'];
const countries = ['DE', 'FR', 'NL', 'ES', 'IT'];
const DAY_MS = 86_400_000;

/**
 * Card payments for the load run: a pool from the payment simulator (the demo model's training
 * distribution, so features and scores look like production), cycled. Each event's `occurred_at`
 * is its scheduled send time, so event time and the schedule agree.
 */
export function rawEventSource(opts: { runId: string; cards?: number; seed?: number }) {
  const fromMs = Date.UTC(2026, 10, 1);
  const pool: SyntheticPayment[] = generatePayments(createRandom(opts.seed ?? 23), {
    cards: opts.cards ?? 2000,
    fromMs,
    toMs: fromMs + 7 * DAY_MS,
  });
  if (pool.length === 0) throw new RangeError('the payment simulator made no payments');
  return {
    /** The event with id `eventId`, the `n`th of the run, due at `at`: its Kafka key and JSON text. */
    event(n: number, eventId: string, at: number): { key: string; json: string } {
      const p = pool[n % pool.length]!;
      const cardId = `card-${opts.runId}-${p.cardId}`;
      const json = JSON.stringify({
        event_id: eventId,
        occurred_at: new Date(at).toISOString(),
        card_id: cardId,
        amount: p.amount,
        currency: 'EUR',
        merchant_id: `m-${p.cardId % 97}`,
        merchant_category: categories[p.cardId % categories.length],
        country: countries[p.cardId % countries.length],
        channel: p.isEcom ? 'ecom' : 'pos',
      });
      return { key: cardId, json };
    },
  };
}
