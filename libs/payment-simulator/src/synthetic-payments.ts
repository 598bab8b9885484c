import type { Random } from './prng.js';

/** One synthetic card payment with its ground-truth label. */
export interface SyntheticPayment {
  readonly cardId: number;
  /** Event time, UTC epoch millis. */
  readonly time: number;
  readonly amount: number;
  readonly isEcom: boolean;
  readonly fraud: boolean;
}

export interface SyntheticPaymentsOptions {
  readonly cards: number;
  readonly fromMs: number;
  readonly toMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MINUTE_MS = 60_000;

// Relative activity per UTC hour: quiet nights, busy days. Night owls shift some activity late.
const DAY_PEOPLE_HOURS = [
  0.25, 0.12, 0.08, 0.06, 0.08, 0.2, 0.5, 1, 1.5, 1.8, 2, 2.1, 2.3, 2.1, 2, 2, 2.1, 2.3, 2.4, 2.2, 1.8, 1.3, 0.9, 0.5,
];
const NIGHT_OWL_HOURS = [1.2, 1, 0.8, 0.6, 0.4, 0.3, 0.3, 0.5, 0.8, 1, 1.2, 1.3, 1.4, 1.4, 1.4, 1.4, 1.5, 1.6, 1.8, 1.9, 2, 2, 1.8, 1.5];
// Fraudsters strike around the clock, and more often while the cardholder sleeps.
const FRAUD_HOURS = [2, 2.2, 2.2, 2, 1.8, 1.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.2, 1.4, 1.7];

// ln of a typical fraudulent ticket (about 150).
const FRAUD_LOG_AMOUNT = 5;

const round2 = (x: number): number => Math.round(x * 100) / 100;

interface CardHabits {
  readonly usualLogAmount: number;
  readonly ecomShare: number;
  readonly hours: readonly number[];
}

function timeAt(rng: Random, day: number, hour: number, fromMs: number): number {
  return fromMs + day * DAY_MS + hour * HOUR_MS + rng.int(0, HOUR_MS);
}

function legitPayments(rng: Random, cardId: number, habits: CardHabits, opts: SyntheticPaymentsOptions): SyntheticPayment[] {
  const days = (opts.toMs - opts.fromMs) / DAY_MS;
  const perDay = Math.exp(rng.normal(-0.4, 0.6));
  const count = rng.poisson(perDay * days);
  const out: SyntheticPayment[] = [];
  const usualAmount = (): number => round2(Math.max(1, Math.exp(rng.normal(habits.usualLogAmount, 0.55))));
  for (let i = 0; i < count; i++) {
    const time = timeAt(rng, rng.int(0, days), rng.weighted(habits.hours), opts.fromMs);
    // A few honest big-ticket purchases, so a high amount alone is not proof of fraud.
    const amount = rng.chance(0.03) ? round2(usualAmount() * rng.uniform(3, 9)) : usualAmount();
    const isEcom = rng.chance(habits.ecomShare);
    out.push({ cardId, time, amount, isEcom, fraud: false });
    // Shopping sprees: honest bursts that look like fraud velocity.
    if (rng.chance(0.1)) {
      let t = time;
      for (let k = rng.int(1, 4); k > 0; k--) {
        t += rng.int(2 * MINUTE_MS, 40 * MINUTE_MS);
        out.push({ cardId, time: t, amount: usualAmount(), isEcom: rng.chance(0.7) ? isEcom : !isEcom, fraud: false });
      }
    }
  }
  return out;
}

// A compromised card: a burst of 1-6 payments within the hour, mostly online, often starting
// with a small test charge, then amounts well above what the cardholder usually spends.
function fraudBurst(rng: Random, cardId: number, habits: CardHabits, opts: SyntheticPaymentsOptions): SyntheticPayment[] {
  const days = (opts.toMs - opts.fromMs) / DAY_MS;
  const size = 1 + Math.floor(Math.pow(rng.next(), 1.2) * 6);
  let time = timeAt(rng, rng.int(0, days), rng.weighted(FRAUD_HOURS), opts.fromMs);
  const out: SyntheticPayment[] = [];
  for (let i = 0; i < size; i++) {
    const testCharge = i === 0 && size > 1 && rng.chance(0.4);
    // Stolen cards buy resaleable goods: amounts pulled towards a few hundred, above the cardholder's habit.
    const logAmount = 0.5 * habits.usualLogAmount + 0.5 * FRAUD_LOG_AMOUNT + rng.normal(0.6, 0.7);
    const amount = testCharge ? round2(rng.uniform(1, 5)) : round2(Math.exp(logAmount));
    out.push({ cardId, time, amount: Math.max(1, amount), isEcom: rng.chance(0.85), fraud: true });
    time += rng.int(MINUTE_MS, 12 * MINUTE_MS);
  }
  return out;
}

/**
 * Generates the payments of `cards` cards between fromMs and toMs, ordered by card then time.
 * About one card in ten is compromised once in the window.
 */
export function generatePayments(rng: Random, opts: SyntheticPaymentsOptions): SyntheticPayment[] {
  const all: SyntheticPayment[] = [];
  for (let cardId = 0; cardId < opts.cards; cardId++) {
    const habits: CardHabits = {
      usualLogAmount: rng.normal(3.3, 0.75),
      ecomShare: rng.uniform(0.05, 0.55),
      hours: rng.chance(0.12) ? NIGHT_OWL_HOURS : DAY_PEOPLE_HOURS,
    };
    const payments = legitPayments(rng, cardId, habits, opts);
    if (rng.chance(0.1)) payments.push(...fraudBurst(rng, cardId, habits, opts));
    // Sort is stable, so equal times keep generation order, like arrival order on a partition.
    payments.sort((a, b) => a.time - b.time);
    all.push(...payments.filter((p) => p.time < opts.toMs));
  }
  return all;
}
