import { createRandom, generatePayments, type SyntheticPayment } from '@tidewater/payment-simulator';

/** One raw event as the demo sends it to events.raw, and whether ingestion should reject it. */
export interface DemoEvent {
  readonly key: string;
  readonly value: Buffer;
  readonly malformed: boolean;
  readonly phase: 'normal' | 'drifted';
}

const categories = ['5411', '5812', '5999', '4121', '5732'];
const countries = ['DE', 'FR', 'NL', 'ES', 'IT'];

// Each is something upstream systems really send; ingestion must dead-letter it with a reason.
const malformedVariants: ((e: Record<string, unknown>) => string)[] = [
  (e) => JSON.stringify(e).slice(0, -7),
  (e) => JSON.stringify({ ...e, amount: -(e['amount'] as number) }),
  (e) => JSON.stringify({ ...e, currency: 'EURO' }),
  (e) => JSON.stringify({ ...e, card_id: undefined }),
  (e) => JSON.stringify({ ...e, occurred_at: 'yesterday' }),
];

/**
 * The demo's event stream: synthetic payments from the same simulator the demo model was trained
 * on (so scores and features match the reference profile), then a drifted stretch where ticket
 * sizes jump and a third of the cards pay from a country training never saw, then normal again, so the drift monitor fires and later resolves an alert.
 * About `malformedShare` of the events are broken on purpose.
 */
export function demoEvents(opts: {
  count: number;
  runId: string;
  seed?: number;
  malformedShare?: number;
  driftFrom?: number;
  driftTo?: number;
  /** The time the events are sent; defaults to the clock. */
  now?: number;
}): DemoEvent[] {
  const rng = createRandom(opts.seed ?? 7);
  const dayMs = 86_400_000;
  const fromMs = Date.UTC(2026, 10, 1);
  let payments: SyntheticPayment[] = [];
  for (let cards = 200; payments.length < opts.count; cards *= 2) {
    payments = generatePayments(rng, { cards, fromMs, toMs: fromMs + 7 * dayMs });
  }
  payments = [...payments].sort((a, b) => a.time - b.time).slice(0, opts.count);
  // The stream is generated in a fixed week and moved forward by whole days (hours of the day, and so the
  // model's hour features, unchanged) to end within the day before now: ingestion refuses event times more
  // than MAX_PAST_SKEW_MS old, and a fixed date would age out of it.
  const last = payments.at(-1)?.time ?? fromMs;
  const shiftMs = Math.max(0, Math.floor(((opts.now ?? Date.now()) - last) / dayMs)) * dayMs;
  const driftFrom = Math.floor(opts.count * (opts.driftFrom ?? 0.45));
  const driftTo = Math.floor(opts.count * (opts.driftTo ?? 0.75));
  const malformedShare = opts.malformedShare ?? 0.02;
  return payments.map((p, i) => {
    const phase = i >= driftFrom && i < driftTo ? 'drifted' : 'normal';
    const cardId = `card-${opts.runId}-${p.cardId}`;
    const event: Record<string, unknown> = {
      event_id: `${opts.runId}-${i}`,
      occurred_at: new Date(p.time + shiftMs).toISOString(),
      card_id: cardId,
      amount: phase === 'drifted' ? Math.round(p.amount * 600) / 100 : p.amount,
      currency: 'EUR',
      merchant_id: `m-${p.cardId % 97}`,
      merchant_category: categories[p.cardId % categories.length],
      // The drifted stretch also brings a market the model never saw: a share of its cards pay from Brazil.
      country: phase === 'drifted' && p.cardId % 3 === 0 ? 'BR' : countries[p.cardId % countries.length],
      channel: p.isEcom ? 'ecom' : 'pos',
    };
    const malformed = rng.chance(malformedShare);
    const text = malformed ? malformedVariants[i % malformedVariants.length]!(event) : JSON.stringify(event);
    return { key: cardId, value: Buffer.from(text), malformed, phase };
  });
}
