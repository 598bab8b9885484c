import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from '@tidewater/schemas';
import { ingestionConfigSchema } from './config.js';
import { createProtector, parseSensitiveFields } from './privacy.js';

const event: PaymentEvent = {
  event_id: 'evt-1',
  occurred_at: 0,
  ingested_at: 0,
  card_id: '4111111111111111',
  amount: 1,
  currency: 'EUR',
  merchant_id: 'merchant-42',
  merchant_category: '5411',
  country: 'DE',
  channel: 'ecom',
};

describe('sensitive fields', () => {
  it('hashes with a keyed HMAC (deterministic, so keying by card still works) and masks', () => {
    const { fields, problems } = parseSensitiveFields('card_id:hmac, merchant_id:mask');
    expect(problems).toEqual([]);
    const protect = createProtector(fields, 'a-key-of-sixteen-chars');
    const out = protect(event);
    expect(out.card_id).toBe(createHmac('sha256', 'a-key-of-sixteen-chars').update('4111111111111111').digest('hex'));
    expect(protect(event).card_id).toBe(out.card_id);
    expect(createProtector(fields, 'another-key-16-chars')(event).card_id).not.toBe(out.card_id);
    expect(out.merchant_id).toBe('*******t-42');
    expect(out.amount).toBe(1);
    expect(event.card_id).toBe('4111111111111111'); // the input is not changed
  });

  it('refuses unknown fields, unknown modes and a masked event_id, and needs a key to hash', () => {
    expect(parseSensitiveFields('amount:hmac,card_id:rot13,event_id:mask').problems).toHaveLength(3);
    const base = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r', REDIS_URL: 'redis://unused:6379' };
    expect(ingestionConfigSchema.safeParse({ ...base, SENSITIVE_FIELDS: 'card_id' }).success).toBe(false);
    expect(ingestionConfigSchema.safeParse({ ...base, SENSITIVE_FIELDS: 'card_id', PRIVACY_HMAC_KEY: 'k'.repeat(16) }).success).toBe(true);
    expect(ingestionConfigSchema.parse(base).SENSITIVE_FIELDS).toEqual([]);
  });
});
