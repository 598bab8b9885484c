import { AvroDeserializer, AvroSerializer, SchemaRegistryClient, SerdeType } from '@confluentinc/schemaregistry';
import type { Client } from '@confluentinc/schemaregistry';
import { loadSchema, schemaFiles } from '@tidewater/schemas';
import type { PaymentEvent, Prediction, SchemaName } from '@tidewater/schemas';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAvroEncoder } from './avro-encoder.js';
import { type CannedRegistry, startCannedRegistry, unreachableRegistryUrl } from '../../test/serde/canned-registry.js';
import { serdeErrors } from './errors.js';
import type { SerdeErrorCode } from './errors.js';
import { sampleRecords } from '../../test/serde/sample-records.js';
import { readWireSchemaId } from './wire-format.js';

const schemaNames = Object.keys(schemaFiles) as SchemaName[];

function mockRegistry(): Client {
  // newClient, not the constructor, is what gives the library's in-memory MockClient for mock://.
  return SchemaRegistryClient.newClient({ baseURLs: ['mock://'] });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (err: unknown) => err,
  );
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return expect.unreachable('expected a throw');
}

function expectCode(err: unknown, code: SerdeErrorCode, retriable: boolean) {
  expect(serdeErrors.is(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  expect((err as { retriable: boolean }).retriable).toBe(retriable);
}

describe('createAvroEncoder', () => {
  const servers: CannedRegistry[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it.each(schemaNames)('writes %s byte-identical to the official AvroSerializer, and the official deserializer reads it', async (name) => {
    const registry = mockRegistry();
    const topic = `t.${name}`;
    const encoder = await createAvroEncoder({ registry, subject: `${topic}-value`, schema: loadSchema(name), autoRegister: true });
    const ours = encoder.encode(sampleRecords[name]);

    const official = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true });
    const theirs = await official.serialize(topic, sampleRecords[name]);
    expect(ours.equals(theirs)).toBe(true);
    expect(readWireSchemaId(ours)).toBe(encoder.schemaId);

    const decoded: unknown = await new AvroDeserializer(registry, SerdeType.VALUE, {}).deserialize(topic, ours);
    expect(decoded).toEqual(sampleRecords[name]);
  });

  it('registers once, then encodes without calling the registry', async () => {
    const registry = mockRegistry();
    const register = vi.spyOn(registry, 'register');
    const getId = vi.spyOn(registry, 'getId');
    const encoder = await createAvroEncoder<Prediction>({
      registry,
      subject: 'predictions-value',
      schema: loadSchema('prediction'),
      autoRegister: true,
    });
    expect(register).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 1000; i++) encoder.encode({ ...sampleRecords.prediction, score: i / 1000 });
    expect(register).toHaveBeenCalledTimes(1);
    expect(getId).not.toHaveBeenCalled();
  });

  it('looks the id up without registering when autoRegister is off', async () => {
    const registry = mockRegistry();
    const schema = loadSchema('paymentEvent');
    const id = await registry.register('events.valid-value', { schemaType: 'AVRO', schema: schema.text }, false);
    const register = vi.spyOn(registry, 'register');
    const encoder = await createAvroEncoder<PaymentEvent>({ registry, subject: 'events.valid-value', schema, autoRegister: false });
    expect(encoder.schemaId).toBe(id);
    expect(register).not.toHaveBeenCalled();
  });

  it('fails with TW_SERDE_SCHEMA_NOT_REGISTERED when the subject lacks the schema and autoRegister is off', async () => {
    const registry = mockRegistry();
    await registry.register('events.valid-value', { schemaType: 'AVRO', schema: loadSchema('prediction').text }, false);
    const err = await rejection(
      createAvroEncoder({ registry, subject: 'events.valid-value', schema: loadSchema('paymentEvent'), autoRegister: false }),
    );
    expectCode(err, 'TW_SERDE_SCHEMA_NOT_REGISTERED', false);
    expect((err as Error).message).toContain('events.valid-value');
  });

  it('grows its scratch buffer for records larger than it and keeps encoding correctly', async () => {
    const registry = mockRegistry();
    const schema = loadSchema('featureVector');
    const encoder = await createAvroEncoder({ registry, subject: 'features-value', schema, autoRegister: true });
    const features: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) features[`feature_${i}`] = i + 0.5;
    const big = { ...sampleRecords.featureVector, features };
    const small = sampleRecords.featureVector;
    for (const value of [small, big, small, big]) {
      const out = encoder.encode(value);
      expect(out.subarray(5).equals(schema.type.toBuffer(value))).toBe(true);
      expect(readWireSchemaId(out)).toBe(encoder.schemaId);
    }
  });

  it('returns buffers that later encodes do not overwrite', async () => {
    const encoder = await createAvroEncoder<Prediction>({ registry: mockRegistry(), subject: 'p-value', schema: loadSchema('prediction') });
    const first = encoder.encode(sampleRecords.prediction);
    const copy = Buffer.from(first);
    encoder.encode({ ...sampleRecords.prediction, event_id: 'another-event-with-a-longer-id' });
    expect(first.equals(copy)).toBe(true);
  });

  describe('invalid values', () => {
    it('throws TW_SERDE_INVALID_VALUE naming nested and top-level field paths', async () => {
      const encoder = await createAvroEncoder<unknown>({ registry: mockRegistry(), subject: 'p-value', schema: loadSchema('prediction') });
      const bad = { ...sampleRecords.prediction, score: '0.9', source: { ...sampleRecords.prediction.source, offset: 1.5 } };
      const err = thrown(() => encoder.encode(bad));
      expectCode(err, 'TW_SERDE_INVALID_VALUE', false);
      const message = (err as Error).message;
      expect(message).toContain('score (expected double, got string)');
      expect(message).toContain('source.offset (expected long, got fractional number)');
      expect((err as { details: { fields: unknown } }).details.fields).toEqual([
        { path: 'score', expected: 'double', got: 'string' },
        { path: 'source.offset', expected: 'long', got: 'fractional number' },
      ]);
    });

    it('names a missing field and an unknown enum symbol without echoing values', async () => {
      const encoder = await createAvroEncoder<unknown>({
        registry: mockRegistry(),
        subject: 'e-value',
        schema: loadSchema('paymentEvent'),
      });
      const { card_id: _dropped, ...withoutCard } = sampleRecords.paymentEvent;
      const err = thrown(() => encoder.encode({ ...withoutCard, channel: 'telepathy' }));
      expectCode(err, 'TW_SERDE_INVALID_VALUE', false);
      expect((err as Error).message).toContain('card_id (expected string, got undefined)');
      expect((err as Error).message).toContain('channel (expected io.tidewater.events.Channel, got string)');
      expect((err as Error).message).not.toContain('telepathy');
    });

    it('rejects a non-record value at the root', async () => {
      const encoder = await createAvroEncoder<unknown>({
        registry: mockRegistry(),
        subject: 'e-value',
        schema: loadSchema('paymentEvent'),
      });
      const err = thrown(() => encoder.encode(null));
      expectCode(err, 'TW_SERDE_INVALID_VALUE', false);
      expect((err as Error).message).toContain('<root> (expected io.tidewater.events.PaymentEvent, got null)');
    });
  });

  describe('registry failures over HTTP', () => {
    it('maps an unreachable registry to retriable TW_SERDE_REGISTRY_UNAVAILABLE', async () => {
      const registry = new SchemaRegistryClient({ baseURLs: [await unreachableRegistryUrl()], maxRetries: 0 });
      const err = await rejection(createAvroEncoder({ registry, subject: 's-value', schema: loadSchema('alert'), autoRegister: true }));
      expectCode(err, 'TW_SERDE_REGISTRY_UNAVAILABLE', true);
    });

    it.each([
      [409, 409, 'TW_SERDE_SCHEMA_REJECTED', false],
      [422, 42201, 'TW_SERDE_SCHEMA_REJECTED', false],
      [503, 50301, 'TW_SERDE_REGISTRY_UNAVAILABLE', true],
      [401, 401, 'TW_SERDE_REGISTRY_REQUEST_FAILED', false],
    ] as const)('maps a registration answered %i to %s', async (status, errorCode, code, retriable) => {
      const server = await startCannedRegistry(status, errorCode, 'canned answer');
      servers.push(server);
      const registry = new SchemaRegistryClient({ baseURLs: [server.url], maxRetries: 0 });
      const err = await rejection(createAvroEncoder({ registry, subject: 's-value', schema: loadSchema('alert'), autoRegister: true }));
      expectCode(err, code, retriable);
      expect(server.requests()).toBe(1);
    });
  });
});
