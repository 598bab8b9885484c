import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { createAvroEncoder } from '@tidewater/kafka';
import { loadSchema, type Alert, type FeatureVector, type PaymentEvent, type SchemaName } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';
import { deadLetterIds } from './dead-letter-ids.js';

const registry = () => SchemaRegistryClient.newClient({ baseURLs: ['mock://'] });

async function avro<T>(r: ReturnType<typeof registry>, name: SchemaName, value: T): Promise<Buffer> {
  const encoder = await createAvroEncoder<T>({ registry: r, subject: `${name}-value`, schema: loadSchema(name), autoRegister: true });
  return encoder.encode(value);
}

const payment: PaymentEvent = {
  event_id: 'load-x-0-7',
  occurred_at: 1_700_000_000_000,
  ingested_at: 1_700_000_000_010,
  card_id: 'card-1',
  amount: 12.5,
  currency: 'EUR',
  merchant_id: 'm-1',
  merchant_category: '5411',
  country: 'FR',
  channel: 'pos',
} as PaymentEvent;

const vector = {
  event_id: 'load-x-0-8',
  entity_key: 'card-1',
  feature_set: 'card',
  feature_set_version: '1',
  event_time: 1_700_000_000_000,
  ingested_at: 1_700_000_000_010,
  feature_time: 1_700_000_000_020,
  late: false,
  features: { amount: 12.5, country: 'FR', night: false, missing: null },
} as unknown as FeatureVector;

describe('deadLetterIds', () => {
  it("reads the event id of ingestion's JSON letters", async () => {
    const ids = deadLetterIds(registry());
    const value = Buffer.from(JSON.stringify({ event_id: 'load-x-0-1', amount: 'NaN' }));
    await ids.prepare([value]);
    expect(ids.eventId(value)).toBe('load-x-0-1');
  });

  it("reads the event id of feature's (payment event) and inference's (feature vector) Avro letters", async () => {
    const r = registry();
    const [a, b] = [await avro(r, 'paymentEvent', payment), await avro(r, 'featureVector', vector)];
    const ids = deadLetterIds(r);
    await ids.prepare([a, null, b]);
    expect(ids.eventId(a)).toBe('load-x-0-7');
    expect(ids.eventId(b)).toBe('load-x-0-8');
  });

  it('gives no id for letters without one: other Avro records, broken bytes, JSON that is not an event', async () => {
    const r = registry();
    const alert = await avro<Alert>(r, 'alert', {
      fingerprint: 'f',
      status: 'firing',
      labels: { alertname: 'x' },
      annotations: {},
      starts_at: 1,
      ends_at: null,
      source: 'drift-monitor',
      generator_url: null,
    } as unknown as Alert);
    const truncated = (await avro(r, 'paymentEvent', payment)).subarray(0, 9);
    const ids = deadLetterIds(r);
    const values = [alert, truncated, Buffer.from('not json'), Buffer.from('[1,2]'), Buffer.from('{"event_id":7}'), Buffer.alloc(0)];
    await ids.prepare(values);
    for (const v of values) expect(ids.eventId(v)).toBeUndefined();
    expect(ids.eventId(null)).toBeUndefined();
  });
});
