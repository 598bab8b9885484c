/**
 * The range of amounts ingestion accepts, in major units of the event's currency. Without an upper
 * bound an `"amount": 1e308` reached the feature windows, where sums and squares overflowed to
 * Infinity and every later payment on the card scored as fraud (issue 20): the bound keeps every
 * window sum, sum of squares and float32 model input finite.
 */
export interface AmountLimits {
  /** Smallest accepted amount (0 accepts zero-amount authorisations). */
  readonly min: number;
  /** Largest accepted amount for currencies without an entry in `maxByCurrency`. */
  readonly max: number;
  /** Largest accepted amount per ISO 4217 code, for currencies whose units are small (JPY, KRW, IDR...). */
  readonly maxByCurrency: ReadonlyMap<string, number>;
}

/**
 * Largest value any limit may take: with at most a few million payments per card and window, sums
 * stay below 1e22 and sums of squares below 1e36, far inside float64, and amounts inside float32.
 */
export const amountLimitCeiling = 1e15;

/** Currencies whose major unit is worth far less than a euro, so the general limit would refuse real payments. */
export const defaultMaxByCurrency = 'JPY:1e11,KRW:1e12,IDR:1e13,VND:1e13,IRR:1e14,LAK:1e13,UZS:1e13';

const currencies = new Set(Intl.supportedValuesOf('currency'));

/** Parses `CODE:max,CODE:max` (e.g. `JPY:1e11,KRW:1e12`); every problem is listed, none thrown. */
export function parseMaxByCurrency(text: string): { limits: Map<string, number>; problems: string[] } {
  const limits = new Map<string, number>();
  const problems: string[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const m = /^([A-Z]{3}):(.+)$/.exec(part);
    const max = m ? Number(m[2]) : Number.NaN;
    if (!m) problems.push(`"${part}" is not CODE:max`);
    else if (!currencies.has(m[1]!)) problems.push(`${m[1]} is not an ISO 4217 currency`);
    else if (!Number.isFinite(max) || max <= 0 || max > amountLimitCeiling)
      problems.push(`${m[1]}: the limit must be a number in (0, ${amountLimitCeiling}], got ${JSON.stringify(m[2])}`);
    else if (limits.has(m[1]!)) problems.push(`${m[1]} is listed twice`);
    else limits.set(m[1]!, max);
  }
  return { limits, problems };
}

/** The largest amount accepted in `currency`. */
export function maxAmountFor(limits: AmountLimits, currency: string): number {
  return limits.maxByCurrency.get(currency) ?? limits.max;
}
