import { AvroSerializer, SchemaRegistryClient, SerdeType } from '@confluentinc/schemaregistry';
import type { Client } from '@confluentinc/schemaregistry';
import avro from 'avsc';
import { loadSchema, schemaFiles } from '@tidewater/schemas';
import type { PaymentEvent, Prediction, SchemaName } from '@tidewater/schemas';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAvroDecoder } from './avro-decoder.js';
import { createAvroEncoder } from './avro-encoder.js';
import { type CannedRegistry, startCannedRegistry, unreachableRegistryUrl } from '../../test/serde/canned-registry.js';
import { serdeErrors } from './errors.js';
import type { SerdeErrorCode } from './errors.js';
import { sampleRecords } from '../../test/serde/sample-records.js';
import type { SerdeSchema } from './serde-schema.js';
import { writeWireHeader } from './wire-format.js';

const schemaNames = Object.keys(schemaFiles) as SchemaName[];

function mockRegistry(): Client {
  return SchemaRegistryClient.newClient({ baseURLs: ['mock://'] });
}

/** The payment event schema with one more field, as a later version of it would add. */
function paymentEventWith(field: Record<string, unknown>): SerdeSchema {
  const json = JSON.parse(loadSchema('paymentEvent').text) as { fields: unknown[] };
  const evolved = { ...json, fields: [...json.fields, field] };
  return { text: JSON.stringify(evolved), type: avro.Type.forSchema(evolved as avro.Schema) };
}

function framed(schemaId: number, body: Buffer): Buffer {
  const buf = Buffer.alloc(5 + body.length);
  writeWireHeader(buf, schemaId);
  body.copy(buf, 5);
  return buf;
}

async function encoded<T>(registry: Client, subject: string, schema: SerdeSchema, value: T): Promise<Buffer> {
  const encoder = await createAvroEncoder<T>({ registry, subject, schema, autoRegister: true });
  return encoder.encode(value);
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

describe('createAvroDecoder', () => {
  const servers: CannedRegistry[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it.each(schemaNames)('round-trips a %s through encoder and decoder', async (name) => {
    const registry = mockRegistry();
    const schema = loadSchema(name);
    const buf = await encoded(registry, `t.${name}-value`, schema, sampleRecords[name]);
    const decoder = createAvroDecoder({ registry, readerSchema: schema });
    expect(await decoder.decodeAsync(buf)).toEqual(sampleRecords[name]);
  });

  it.each(schemaNames)('decodes what the official AvroSerializer wrote for %s', async (name) => {
    const registry = mockRegistry();
    const schema = loadSchema(name);
    await registry.register(`t.${name}-value`, { schemaType: 'AVRO', schema: schema.text }, false);
    const theirs = await new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true }).serialize(
      `t.${name}`,
      sampleRecords[name],
    );
    const decoder = createAvroDecoder({ registry, readerSchema: schema, subject: `t.${name}-value` });
    await decoder.prepare([theirs]);
    expect(decoder.decode(theirs)).toEqual(sampleRecords[name]);
  });

  describe('schema evolution', () => {
    it('fills a field the older writer lacked with the reader default', async () => {
      const registry = mockRegistry();
      const v1 = await encoded(registry, 'events.valid-value', loadSchema('paymentEvent'), sampleRecords.paymentEvent);
      const v2 = paymentEventWith({ name: 'risk_tier', type: 'string', default: 'standard' });
      const decoder = createAvroDecoder<PaymentEvent & { risk_tier: string }>({ registry, readerSchema: v2 });
      expect(await decoder.decodeAsync(v1)).toEqual({ ...sampleRecords.paymentEvent, risk_tier: 'standard' });
    });

    it('drops a field a newer writer added that the reader does not know', async () => {
      const registry = mockRegistry();
      const v2 = paymentEventWith({ name: 'risk_tier', type: 'string', default: 'standard' });
      const buf = await encoded(registry, 'events.valid-value', v2, { ...sampleRecords.paymentEvent, risk_tier: 'high' });
      const decoder = createAvroDecoder<PaymentEvent>({ registry, readerSchema: loadSchema('paymentEvent') });
      expect(await decoder.decodeAsync(buf)).toEqual(sampleRecords.paymentEvent);
    });

    it('decodes messages of both writer versions in one batch', async () => {
      const registry = mockRegistry();
      const v2 = paymentEventWith({ name: 'risk_tier', type: 'string', default: 'standard' });
      const old = await encoded(registry, 'events.valid-value', loadSchema('paymentEvent'), sampleRecords.paymentEvent);
      const recent = await encoded(registry, 'events.valid-value', v2, { ...sampleRecords.paymentEvent, risk_tier: 'high' });
      const decoder = createAvroDecoder<{ risk_tier: string }>({ registry, readerSchema: v2 });
      await decoder.prepare([old, recent]);
      expect([decoder.decode(old).risk_tier, decoder.decode(recent).risk_tier]).toEqual(['standard', 'high']);
    });
  });

  describe('registry calls', () => {
    it('decodes an id already fetched without calling the registry', async () => {
      const registry = mockRegistry();
      const buf = await encoded(registry, 'predictions-value', loadSchema('prediction'), sampleRecords.prediction);
      const decoder = createAvroDecoder<Prediction>({ registry, readerSchema: loadSchema('prediction') });
      await decoder.prepare([buf]);
      const lookups = vi.spyOn(registry, 'getBySubjectAndId');
      for (let i = 0; i < 1000; i++) expect(decoder.decode(buf).score).toBe(sampleRecords.prediction.score);
      await decoder.prepare([buf, buf, buf]);
      await decoder.decodeAsync(buf);
      expect(lookups).not.toHaveBeenCalled();
    });

    it('fetches each unknown id once, even for concurrent prepares', async () => {
      const registry = mockRegistry();
      const a = await encoded(registry, 'events.valid-value', loadSchema('paymentEvent'), sampleRecords.paymentEvent);
      const v2 = paymentEventWith({ name: 'risk_tier', type: 'string', default: 'standard' });
      const b = await encoded(registry, 'events.valid-value', v2, { ...sampleRecords.paymentEvent, risk_tier: 'high' });
      const lookups = vi.spyOn(registry, 'getBySubjectAndId');
      const decoder = createAvroDecoder({ registry, readerSchema: v2 });
      await Promise.all([decoder.prepare([a, a, b]), decoder.prepare([b, a]), decoder.decodeAsync(a), decoder.decodeAsync(b)]);
      expect(lookups).toHaveBeenCalledTimes(2);
      expect(lookups.mock.calls.map((call) => call[1]).sort()).toEqual([a.readInt32BE(1), b.readInt32BE(1)].sort());
    });

    it('skips values that are not wire format when preparing', async () => {
      const registry = mockRegistry();
      const lookups = vi.spyOn(registry, 'getBySubjectAndId');
      const decoder = createAvroDecoder({ registry, readerSchema: loadSchema('paymentEvent') });
      await decoder.prepare([Buffer.from('{"event_id":"e1"}'), null, undefined, Buffer.from([0, 1])]);
      expect(lookups).not.toHaveBeenCalled();
    });
  });

  describe('errors', () => {
    const readerSchema = loadSchema('paymentEvent');

    it('TW_SERDE_NOT_WIRE_FORMAT for short input and a wrong magic byte', () => {
      const decoder = createAvroDecoder({ registry: mockRegistry(), readerSchema });
      const short = thrown(() => decoder.decode(Buffer.from([0, 0, 1])));
      expectCode(short, 'TW_SERDE_NOT_WIRE_FORMAT', false);
      expect((short as { details: unknown }).details).toEqual({ reason: 'too-short', length: 3 });
      const json = thrown(() => decoder.decode(Buffer.from('{"event_id":"e1"}')));
      expectCode(json, 'TW_SERDE_NOT_WIRE_FORMAT', false);
      expect((json as { details: unknown }).details).toEqual({ reason: 'magic-byte', firstByte: 0x7b });
    });

    it('TW_SERDE_SCHEMA_NOT_PREPARED when decode meets an id prepare never saw', async () => {
      const registry = mockRegistry();
      const buf = await encoded(registry, 'e-value', readerSchema, sampleRecords.paymentEvent);
      const err = thrown(() => createAvroDecoder({ registry, readerSchema }).decode(buf));
      expectCode(err, 'TW_SERDE_SCHEMA_NOT_PREPARED', true);
    });

    it('TW_SERDE_UNKNOWN_SCHEMA_ID for an id the registry lacks, remembered without asking again', async () => {
      const registry = mockRegistry();
      const lookups = vi.spyOn(registry, 'getBySubjectAndId');
      const buf = framed(4242, readerSchema.type.toBuffer(sampleRecords.paymentEvent));
      const decoder = createAvroDecoder({ registry, readerSchema });
      await decoder.prepare([buf]);
      await decoder.prepare([buf]);
      expectCode(
        thrown(() => decoder.decode(buf)),
        'TW_SERDE_UNKNOWN_SCHEMA_ID',
        false,
      );
      await expect(decoder.decodeAsync(buf)).rejects.toMatchObject({ code: 'TW_SERDE_UNKNOWN_SCHEMA_ID', details: { schemaId: 4242 } });
      expect(lookups).toHaveBeenCalledTimes(1);
    });

    it('asks again about an unknown id once unknownIdRetryMs has passed', async () => {
      const registry = mockRegistry();
      const lookups = vi.spyOn(registry, 'getBySubjectAndId');
      const buf = framed(4242, readerSchema.type.toBuffer(sampleRecords.paymentEvent));
      const decoder = createAvroDecoder({ registry, readerSchema, unknownIdRetryMs: 0 });
      await decoder.prepare([buf]);
      await decoder.prepare([buf]);
      expect(lookups).toHaveBeenCalledTimes(2);
    });

    it('TW_SERDE_INCOMPATIBLE_WRITER_SCHEMA when the reader needs a field the writer lacks and has no default', async () => {
      const registry = mockRegistry();
      const buf = await encoded(registry, 'e-value', readerSchema, sampleRecords.paymentEvent);
      const strictReader = paymentEventWith({ name: 'risk_tier', type: 'string' });
      const err = await createAvroDecoder({ registry, readerSchema: strictReader })
        .decodeAsync(buf)
        .catch((e: unknown) => e);
      expectCode(err, 'TW_SERDE_INCOMPATIBLE_WRITER_SCHEMA', false);
    });

    it('TW_SERDE_INCOMPATIBLE_WRITER_SCHEMA for a record of another name', async () => {
      const registry = mockRegistry();
      const buf = await encoded(registry, 'a-value', loadSchema('alert'), sampleRecords.alert);
      const decoder = createAvroDecoder({ registry, readerSchema });
      await decoder.prepare([buf]);
      expectCode(
        thrown(() => decoder.decode(buf)),
        'TW_SERDE_INCOMPATIBLE_WRITER_SCHEMA',
        false,
      );
    });

    it('TW_SERDE_UNSUPPORTED_WRITER_SCHEMA for a JSON schema id and an unparsable Avro schema', async () => {
      const registry = mockRegistry();
      const jsonId = await registry.register('j-value', { schemaType: 'JSON', schema: '{"type":"object"}' }, false);
      const brokenId = await registry.register('b-value', { schemaType: 'AVRO', schema: '{"type":"no-such-type"}' }, false);
      const decoder = createAvroDecoder({ registry, readerSchema });
      const bufs = [framed(jsonId, Buffer.from('{}')), framed(brokenId, Buffer.from([0]))];
      await decoder.prepare(bufs);
      for (const buf of bufs)
        expectCode(
          thrown(() => decoder.decode(buf)),
          'TW_SERDE_UNSUPPORTED_WRITER_SCHEMA',
          false,
        );
    });

    it('TW_SERDE_CORRUPT_BODY for a truncated body, trailing bytes, and an unreadable body', async () => {
      const registry = mockRegistry();
      const good = await encoded(registry, 'e-value', readerSchema, sampleRecords.paymentEvent);
      const decoder = createAvroDecoder({ registry, readerSchema });
      await decoder.prepare([good]);
      const unreadable = Buffer.from(good);
      unreadable[unreadable.length - 1] = 0x14; // channel: enum index 10 of 5 symbols
      const cases = [
        [good.subarray(0, good.length - 4), 'truncated'],
        [Buffer.concat([good, Buffer.from([1, 2])]), 'trailing-bytes'],
        [unreadable, 'unreadable'],
      ] as const;
      for (const [buf, reason] of cases) {
        const err = thrown(() => decoder.decode(buf));
        expectCode(err, 'TW_SERDE_CORRUPT_BODY', false);
        expect((err as { details: unknown }).details).toEqual({ schemaId: good.readInt32BE(1), reason });
      }
      expect(decoder.decode(good)).toEqual(sampleRecords.paymentEvent);
    });

    it('TW_SERDE_REGISTRY_UNAVAILABLE (retriable) when the registry cannot be reached, then recovers', async () => {
      const mock = mockRegistry();
      const buf = await encoded(mock, 'e-value', readerSchema, sampleRecords.paymentEvent);
      const unreachable = new SchemaRegistryClient({ baseURLs: [await unreachableRegistryUrl()], maxRetries: 0 });
      let registryUp = false;
      // The decoder sees the real HTTP client until the "outage" ends, then the mock that holds the schema.
      const registry: Pick<Client, 'register' | 'getId' | 'getBySubjectAndId'> = {
        register: (...args) => mock.register(...args),
        getId: (...args) => mock.getId(...args),
        getBySubjectAndId: (...args) => (registryUp ? mock : unreachable).getBySubjectAndId(...args),
      };
      const decoder = createAvroDecoder({ registry, readerSchema });
      const err = await decoder.prepare([buf]).catch((e: unknown) => e);
      expectCode(err, 'TW_SERDE_REGISTRY_UNAVAILABLE', true);
      expectCode(
        thrown(() => decoder.decode(buf)),
        'TW_SERDE_SCHEMA_NOT_PREPARED',
        true,
      );
      registryUp = true;
      expect(await decoder.decodeAsync(buf)).toEqual(sampleRecords.paymentEvent);
    });

    it('TW_SERDE_REGISTRY_REQUEST_FAILED when the registry refuses the lookup', async () => {
      const server = await startCannedRegistry(403, 40301, 'forbidden');
      servers.push(server);
      const registry = new SchemaRegistryClient({ baseURLs: [server.url], maxRetries: 0 });
      const buf = framed(7, readerSchema.type.toBuffer(sampleRecords.paymentEvent));
      const err = await createAvroDecoder({ registry, readerSchema })
        .decodeAsync(buf)
        .catch((e: unknown) => e);
      expectCode(err, 'TW_SERDE_REGISTRY_REQUEST_FAILED', false);
    });
  });
});
