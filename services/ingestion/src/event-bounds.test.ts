import { describe, expect, it } from 'vitest';
import { parseMaxByCurrency } from './amount-limits.js';
import { ingestionConfigSchema, validationPolicyOf } from './config.js';
import { ingestErrors } from './errors.js';
import { event, post, useHttpApiFixture } from '../test/http-api-harness.js';
import { validateRawEvent } from './validate-event.js';

// Issue 20, parts 1 and 3: amounts and event times outside configured bounds are refused with a code.
const config = ingestionConfigSchema.parse({
  KAFKA_BROKERS: 'unused:9092',
  SCHEMA_REGISTRY_URL: 'http://unused',
  REDIS_URL: 'redis://unused:6379',
});
const policy = validationPolicyOf(config);
const at = Date.UTC(2026, 11, 6, 12);

function codeOf(patch: Record<string, unknown>, raw?: string): string | undefined {
  const text = raw ?? JSON.stringify({ ...event(), occurred_at: new Date(at - 60_000).toISOString(), ...patch });
  try {
    validateRawEvent(Buffer.from(text), at, policy);
    return undefined;
  } catch (err) {
    if (!ingestErrors.is(err)) throw err;
    return err.code;
  }
}

describe('amount bounds (default configuration)', () => {
  it.each([
    ['1e308', 1e308],
    ['Number.MAX_VALUE', Number.MAX_VALUE],
    ['just above AMOUNT_MAX', 1e9 + 1],
    ['a value overflowing float32', 1e39],
  ])('refuses %s EUR with TW_INGEST_AMOUNT_OUT_OF_RANGE', (_name, amount) => {
    expect(codeOf({ amount })).toBe('TW_INGEST_AMOUNT_OUT_OF_RANGE');
  });

  it.each([0, -0, 5e-324, 0.01, 12.5, 1e9])('accepts %s EUR', (amount) => {
    expect(codeOf({ amount })).toBeUndefined();
  });

  it('applies a per-currency limit where units are small, and the general one elsewhere', () => {
    expect(codeOf({ amount: 5e10, currency: 'JPY' })).toBeUndefined();
    expect(codeOf({ amount: 5e10, currency: 'EUR' })).toBe('TW_INGEST_AMOUNT_OUT_OF_RANGE');
    expect(codeOf({ amount: 2e11, currency: 'JPY' })).toBe('TW_INGEST_AMOUNT_OUT_OF_RANGE');
  });

  it('keeps TW_INGEST_INVALID_AMOUNT for negative amounts and JSON numbers that parse to Infinity', () => {
    expect(codeOf({ amount: -1 })).toBe('TW_INGEST_INVALID_AMOUNT');
    expect(
      codeOf(
        {},
        JSON.stringify({ ...event(), occurred_at: new Date(at).toISOString(), amount: 1 }).replace('"amount":1', '"amount":1e309'),
      ),
    ).toBe('TW_INGEST_INVALID_AMOUNT');
  });

  it('honours AMOUNT_MIN, AMOUNT_MAX and AMOUNT_MAX_BY_CURRENCY from the environment', () => {
    const c = ingestionConfigSchema.parse({
      KAFKA_BROKERS: 'unused:9092',
      SCHEMA_REGISTRY_URL: 'http://unused',
      REDIS_URL: 'redis://unused:6379',
      AMOUNT_MIN: '1',
      AMOUNT_MAX: '100',
      AMOUNT_MAX_BY_CURRENCY: 'USD:200',
    });
    const p = validationPolicyOf(c);
    const judge = (amount: number, currency: string) => {
      try {
        validateRawEvent(Buffer.from(JSON.stringify({ ...event({ amount, currency }), occurred_at: new Date(at).toISOString() })), at, p);
        return 'ok';
      } catch (err) {
        return ingestErrors.is(err) ? err.code : 'thrown';
      }
    };
    expect([judge(0.5, 'EUR'), judge(100, 'EUR'), judge(101, 'EUR'), judge(150, 'USD'), judge(201, 'USD')]).toEqual([
      'TW_INGEST_AMOUNT_OUT_OF_RANGE',
      'ok',
      'TW_INGEST_AMOUNT_OUT_OF_RANGE',
      'ok',
      'TW_INGEST_AMOUNT_OUT_OF_RANGE',
    ]);
  });

  it('lists every bad AMOUNT_MAX_BY_CURRENCY entry', () => {
    expect(parseMaxByCurrency('JPY:1e11, XXQ:5,EUR:-1,USD,GBP:1e99,JPY:1').problems).toEqual([
      'XXQ is not an ISO 4217 currency',
      'EUR: the limit must be a number in (0, 1000000000000000], got "-1"',
      '"USD" is not CODE:max',
      'GBP: the limit must be a number in (0, 1000000000000000], got "1e99"',
      'JPY is listed twice',
    ]);
    const bad = ingestionConfigSchema.safeParse({
      KAFKA_BROKERS: 'unused:9092',
      SCHEMA_REGISTRY_URL: 'http://unused',
      REDIS_URL: 'redis://unused:6379',
      AMOUNT_MIN: '10',
      AMOUNT_MAX: '5',
    });
    expect(bad.success).toBe(false);
  });
});

describe('event-time bounds (default configuration)', () => {
  it('refuses occurred_at 0001-01-01 with TW_INGEST_PAST_TIMESTAMP', () => {
    expect(codeOf({ occurred_at: '0001-01-01T00:00:00Z' })).toBe('TW_INGEST_PAST_TIMESTAMP');
  });

  it('accepts up to MAX_PAST_SKEW_MS (30 days) before the ingestion time, and refuses a millisecond more', () => {
    expect(config.MAX_PAST_SKEW_MS).toBe(30 * 86_400_000);
    expect(codeOf({ occurred_at: new Date(at - config.MAX_PAST_SKEW_MS).toISOString() })).toBeUndefined();
    expect(codeOf({ occurred_at: new Date(at - config.MAX_PAST_SKEW_MS - 1).toISOString() })).toBe('TW_INGEST_PAST_TIMESTAMP');
  });

  it('still refuses the far future with TW_INGEST_FUTURE_TIMESTAMP', () => {
    expect(codeOf({ occurred_at: '9999-12-31T23:59:59Z' })).toBe('TW_INGEST_FUTURE_TIMESTAMP');
  });
});

describe('POST /v1/events with out-of-bounds values', () => {
  const { harness } = useHttpApiFixture();

  it('answers 422 with the code for each refused item and publishes only the good one', async () => {
    const { app, sink } = await harness();
    const good = event();
    const res = await post(
      app,
      JSON.stringify([event({ amount: 1e308 }), event({ occurred_at: '0001-01-01T00:00:00Z' }), good, event({ amount: Number.MAX_VALUE })]),
    );
    expect(res.statusCode).toBe(422);
    expect((res.json() as { results: { status: string; code?: string }[] }).results.map((r) => r.code ?? r.status)).toEqual([
      'TW_INGEST_AMOUNT_OUT_OF_RANGE',
      'TW_INGEST_PAST_TIMESTAMP',
      'accepted',
      'TW_INGEST_AMOUNT_OUT_OF_RANGE',
    ]);
    expect(sink.valid.map((v) => v.event.event_id)).toEqual([good['event_id']]);
    expect(sink.dlq.map((l) => l.error.code)).toEqual([
      'TW_INGEST_AMOUNT_OUT_OF_RANGE',
      'TW_INGEST_PAST_TIMESTAMP',
      'TW_INGEST_AMOUNT_OUT_OF_RANGE',
    ]);
  });
});
