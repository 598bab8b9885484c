import { describe, expect, it } from 'vitest';
import type { IngestErrorCode } from './errors.js';
import { ingestErrors } from './errors.js';
import { validateRawEvent } from './validate-event.js';

const ingestedAt = 1_735_700_000_000;

const good = {
  event_id: 'evt-1',
  occurred_at: '2025-01-01T10:00:00Z',
  card_id: 'card-1',
  amount: 42.5,
  currency: 'EUR',
  merchant_id: 'm-1',
  merchant_category: '5411',
  country: 'DE',
  channel: 'ecom',
};

function bytesOf(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Runs the validator and returns the code it threw, failing the test when it did not throw one of ours. */
function rejectionOf(bytes: Buffer | null): { code: IngestErrorCode; retriable: boolean; message: string } {
  try {
    validateRawEvent(bytes, ingestedAt);
  } catch (err) {
    if (!ingestErrors.is(err)) throw err;
    return { code: err.code, retriable: err.retriable, message: err.message };
  }
  throw new Error('expected validateRawEvent to throw');
}

describe('validateRawEvent', () => {
  it('normalizes a good event: occurred_at to UTC epoch ms, ingested_at from the caller', () => {
    expect(validateRawEvent(bytesOf(good), ingestedAt)).toEqual({
      event_id: 'evt-1',
      occurred_at: Date.UTC(2025, 0, 1, 10, 0, 0),
      ingested_at: ingestedAt,
      card_id: 'card-1',
      amount: 42.5,
      currency: 'EUR',
      merchant_id: 'm-1',
      merchant_category: '5411',
      country: 'DE',
      channel: 'ecom',
    });
  });

  it('converts a zone offset to UTC', () => {
    const e = validateRawEvent(bytesOf({ ...good, occurred_at: '2025-06-01T12:30:00+02:00' }), ingestedAt);
    expect(e.occurred_at).toBe(Date.UTC(2025, 5, 1, 10, 30, 0));
    const west = validateRawEvent(bytesOf({ ...good, occurred_at: '2025-06-01T22:30:00.250-05:00' }), ingestedAt);
    expect(west.occurred_at).toBe(Date.UTC(2025, 5, 2, 3, 30, 0, 250));
  });

  it.each([
    ['minutes only', '2025-01-01T10:00Z', Date.UTC(2025, 0, 1, 10)],
    ['nanoseconds', '2025-01-01T10:00:00.123456789Z', Date.UTC(2025, 0, 1, 10, 0, 0, 123)],
    ['a leap day', '2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('accepts a timestamp with %s', (_what, occurredAt, expected) => {
    expect(validateRawEvent(bytesOf({ ...good, occurred_at: occurredAt }), ingestedAt).occurred_at).toBe(expected);
  });

  it('accepts every channel, a zero amount, an integer amount and 128-character ids', () => {
    for (const channel of ['ecom', 'pos', 'atm', 'moto']) {
      expect(validateRawEvent(bytesOf({ ...good, channel }), ingestedAt).channel).toBe(channel);
    }
    expect(validateRawEvent(bytesOf({ ...good, amount: 0 }), ingestedAt).amount).toBe(0);
    expect(validateRawEvent(Buffer.from(JSON.stringify(good).replace('42.5', '42')), ingestedAt).amount).toBe(42);
    const id = 'x'.repeat(128);
    expect(validateRawEvent(bytesOf({ ...good, event_id: id, card_id: id, merchant_id: id }), ingestedAt).event_id).toBe(id);
  });

  it('drops unknown fields, including a __proto__ key', () => {
    const payload = Buffer.from(JSON.stringify({ ...good, extra: 'x', nested: { a: 1 } }).replace(/}$/, ',"__proto__":{"polluted":true}}'));
    const e = validateRawEvent(payload, ingestedAt);
    expect(Object.keys(e).sort()).toEqual([
      'amount',
      'card_id',
      'channel',
      'country',
      'currency',
      'event_id',
      'ingested_at',
      'merchant_category',
      'merchant_id',
      'occurred_at',
    ]);
    expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('validateRawEvent rejections', () => {
  const { amount: _amount, ...withoutAmount } = good;

  it.each<[string, Buffer | null, IngestErrorCode]>([
    ['no payload (tombstone)', null, 'TW_INGEST_MALFORMED_JSON'],
    ['an empty payload', Buffer.alloc(0), 'TW_INGEST_MALFORMED_JSON'],
    ['truncated JSON', Buffer.from(JSON.stringify(good).slice(0, -1)), 'TW_INGEST_MALFORMED_JSON'],
    ['JSON with a trailing comma', Buffer.from('{"event_id":"e",}'), 'TW_INGEST_MALFORMED_JSON'],
    [
      'invalid UTF-8 bytes',
      Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      'TW_INGEST_MALFORMED_JSON',
    ],
    ['a lone continuation byte', Buffer.from([0x80]), 'TW_INGEST_MALFORMED_JSON'],
    [
      'NaN, which JSON cannot carry',
      Buffer.from(JSON.stringify(withoutAmount).replace(/}$/, ',"amount":NaN}')),
      'TW_INGEST_MALFORMED_JSON',
    ],
    ['a JSON array', bytesOf([good]), 'TW_INGEST_NOT_AN_OBJECT'],
    ['a JSON number', Buffer.from('42'), 'TW_INGEST_NOT_AN_OBJECT'],
    ['JSON null', Buffer.from('null'), 'TW_INGEST_NOT_AN_OBJECT'],
    ['a JSON string', Buffer.from('"evt-1"'), 'TW_INGEST_NOT_AN_OBJECT'],
    ['JSON true', Buffer.from('true'), 'TW_INGEST_NOT_AN_OBJECT'],
  ])('rejects %s with %s', (_what, bytes, code) => {
    const rejection = rejectionOf(bytes);
    expect(rejection.code).toBe(code);
    expect(rejection.retriable).toBe(false);
  });

  it.each(Object.keys(good))('rejects an event missing %s with TW_INGEST_SCHEMA_VIOLATION naming the field', (field) => {
    const rejection = rejectionOf(bytesOf(Object.fromEntries(Object.entries(good).filter(([k]) => k !== field))));
    expect(rejection.code).toBe('TW_INGEST_SCHEMA_VIOLATION');
    expect(rejection.message).toContain(field);
  });

  it.each<[string, Record<string, unknown>]>([
    ['amount as a string', { amount: '42.5' }],
    ['amount "NaN" as a string', { amount: 'NaN' }],
    ['amount null', { amount: null }],
    ['amount as an object', { amount: { value: 1 } }],
    ['event_id as a number', { event_id: 123 }],
    ['card_id null', { card_id: null }],
    ['occurred_at as epoch ms', { occurred_at: 1_735_725_600_000 }],
    ['channel as an array', { channel: ['ecom'] }],
    ['country as a boolean', { country: true }],
  ])('rejects %s with TW_INGEST_SCHEMA_VIOLATION naming the field', (_what, patch) => {
    const rejection = rejectionOf(bytesOf({ ...good, ...patch }));
    expect(rejection.code).toBe('TW_INGEST_SCHEMA_VIOLATION');
    for (const field of Object.keys(patch)) expect(rejection.message).toContain(field);
  });

  it('names every broken field at once', () => {
    const rejection = rejectionOf(bytesOf({ ...good, amount: 'x', currency: 3 }));
    expect(rejection.message).toContain('amount');
    expect(rejection.message).toContain('currency');
  });

  it.each<[string, Buffer, IngestErrorCode]>([
    ['a negative amount', bytesOf({ ...good, amount: -0.01 }), 'TW_INGEST_INVALID_AMOUNT'],
    // JSON.parse turns an out-of-range literal into Infinity: the only non-finite number JSON can deliver.
    ['an amount that overflows to Infinity', Buffer.from(JSON.stringify(good).replace('42.5', '1e400')), 'TW_INGEST_INVALID_AMOUNT'],
    ['an amount that overflows to -Infinity', Buffer.from(JSON.stringify(good).replace('42.5', '-1e400')), 'TW_INGEST_INVALID_AMOUNT'],
    ['a lowercase currency', bytesOf({ ...good, currency: 'eur' }), 'TW_INGEST_INVALID_CURRENCY'],
    ['a four-letter currency', bytesOf({ ...good, currency: 'EURO' }), 'TW_INGEST_INVALID_CURRENCY'],
    ['an empty currency', bytesOf({ ...good, currency: '' }), 'TW_INGEST_INVALID_CURRENCY'],
    ['a numeric currency code', bytesOf({ ...good, currency: '978' }), 'TW_INGEST_INVALID_CURRENCY'],
    ['a timestamp without a zone', bytesOf({ ...good, occurred_at: '2025-01-01T10:00:00' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    ['a date without a time', bytesOf({ ...good, occurred_at: '2025-01-01' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    ['an unparseable timestamp', bytesOf({ ...good, occurred_at: 'yesterday' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    ['an empty timestamp', bytesOf({ ...good, occurred_at: '' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    ['an RFC 2822 date', bytesOf({ ...good, occurred_at: 'Wed, 01 Jan 2025 10:00:00 GMT' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    ['month 13', bytesOf({ ...good, occurred_at: '2025-13-01T10:00:00Z' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    ['minute 60', bytesOf({ ...good, occurred_at: '2025-01-01T10:60:00Z' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    ['an offset of 25 hours', bytesOf({ ...good, occurred_at: '2025-01-01T10:00:00+25:00' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    [
      'February 30 (Date.parse would roll it into March)',
      bytesOf({ ...good, occurred_at: '2025-02-30T10:00:00Z' }),
      'TW_INGEST_INVALID_TIMESTAMP',
    ],
    ['February 29 of a common year', bytesOf({ ...good, occurred_at: '2025-02-29T10:00:00Z' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    ['April 31', bytesOf({ ...good, occurred_at: '2025-04-31T10:00:00Z' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    ['day 0', bytesOf({ ...good, occurred_at: '2025-01-00T10:00:00Z' }), 'TW_INGEST_INVALID_TIMESTAMP'],
    ['an uppercase channel', bytesOf({ ...good, channel: 'ECOM' }), 'TW_INGEST_INVALID_CHANNEL'],
    ['an unknown channel', bytesOf({ ...good, channel: 'unknown' }), 'TW_INGEST_INVALID_CHANNEL'],
    ['an empty channel', bytesOf({ ...good, channel: '' }), 'TW_INGEST_INVALID_CHANNEL'],
    ['an empty event_id', bytesOf({ ...good, event_id: '' }), 'TW_INGEST_INVALID_ID'],
    ['a blank card_id', bytesOf({ ...good, card_id: '   ' }), 'TW_INGEST_INVALID_ID'],
    ['an empty merchant_id', bytesOf({ ...good, merchant_id: '' }), 'TW_INGEST_INVALID_ID'],
    ['a 129-character event_id', bytesOf({ ...good, event_id: 'x'.repeat(129) }), 'TW_INGEST_INVALID_ID'],
    ['a 129-character card_id', bytesOf({ ...good, card_id: 'x'.repeat(129) }), 'TW_INGEST_INVALID_ID'],
    ['a 129-character merchant_id', bytesOf({ ...good, merchant_id: 'x'.repeat(129) }), 'TW_INGEST_INVALID_ID'],
  ])('rejects %s with %s', (_what, bytes, code) => {
    const rejection = rejectionOf(bytes);
    expect(rejection.code).toBe(code);
    expect(rejection.retriable).toBe(false);
  });

  it('quotes the offending value in the message', () => {
    expect(rejectionOf(bytesOf({ ...good, currency: 'eur' })).message).toContain('"eur"');
    expect(rejectionOf(bytesOf({ ...good, amount: -3 })).message).toContain('-3');
    expect(rejectionOf(bytesOf({ ...good, occurred_at: '2025-01-01T10:00:00' })).message).toContain('"2025-01-01T10:00:00"');
    expect(rejectionOf(bytesOf({ ...good, channel: 'web' })).message).toContain('"web"');
  });
});

describe('currency codes', () => {
  it('accepts ISO 4217 codes and refuses three capital letters that are not one', () => {
    expect(validateRawEvent(bytesOf({ ...good, currency: 'JPY' }), 0).currency).toBe('JPY');
    expect(rejectionOf(bytesOf({ ...good, currency: 'ABC' })).code).toBe('TW_INGEST_INVALID_CURRENCY');
  });
});

describe('validation policy', () => {
  const at = Date.UTC(2025, 0, 1, 10, 0, 0);

  it('rejects unknown fields, naming them, when the policy says reject', () => {
    const policy = { unknownFields: 'reject' as const, maxFutureSkewMs: Number.POSITIVE_INFINITY };
    expect(() => validateRawEvent(bytesOf(good), at, policy)).not.toThrow();
    try {
      validateRawEvent(bytesOf({ ...good, extra: 1, other: null }), at, policy);
      expect.unreachable();
    } catch (err) {
      expect(ingestErrors.is(err, 'TW_INGEST_UNKNOWN_FIELD')).toBe(true);
      expect((err as Error).message).toContain('"extra"');
      expect((err as Error).message).toContain('"other"');
    }
  });

  it('rejects occurred_at further in the future than the allowed skew, and accepts it up to the skew', () => {
    const policy = { unknownFields: 'drop' as const, maxFutureSkewMs: 60_000 };
    expect(validateRawEvent(bytesOf({ ...good, occurred_at: '2025-01-01T10:01:00Z' }), at, policy).occurred_at).toBe(at + 60_000);
    expect(() => validateRawEvent(bytesOf({ ...good, occurred_at: '2025-01-01T10:01:00.001Z' }), at, policy)).toThrow(
      expect.objectContaining({ code: 'TW_INGEST_FUTURE_TIMESTAMP' }),
    );
    // Past timestamps are not bounded: late events are normal.
    expect(validateRawEvent(bytesOf({ ...good, occurred_at: '2001-01-01T00:00:00Z' }), at, policy).occurred_at).toBe(Date.UTC(2001, 0, 1));
  });
});

describe('sensitive values in error messages', () => {
  it('names a wrongly typed sensitive field without its value', () => {
    const policy = { unknownFields: 'drop' as const, maxFutureSkewMs: Number.POSITIVE_INFINITY, redactFields: new Set(['card_id']) };
    try {
      validateRawEvent(bytesOf({ ...good, card_id: 4111111111111111, amount: 'x' }), ingestedAt, policy);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('card_id=[redacted]');
      expect((err as Error).message).not.toContain('4111111111111111');
      expect((err as Error).message).toContain('amount="x"');
    }
  });

  it.each([
    ['an unexpected token', '{"card_id":"4111111111111111","amount":NaN}'],
    ['a bare word', 'card 4111111111111111'],
    ['a trailing comma', '{"card_id":"4111111111111111",}'],
  ])('keeps the payload out of the malformed-JSON message (%s)', (_what, text) => {
    const { code, message } = rejectionOf(Buffer.from(text));
    expect(code).toBe('TW_INGEST_MALFORMED_JSON');
    expect(message).toMatch(/^payload is not valid JSON/);
    expect(message).not.toMatch(/4111|card/);
  });
});
