import { join } from 'node:path';
import { AvroDeserializer, AvroSerializer, Compatibility, RestError, SchemaRegistryClient, SerdeType } from '@confluentinc/schemaregistry';
import type { SchemaInfo } from '@confluentinc/schemaregistry';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSchemaRegistry } from './server.js';
import type { RunningSchemaRegistry } from './server.js';
import { makeTempDir, recordSchema, repoSchema } from '../test/test-helpers.js';

// These tests drive the registry over HTTP with Confluent's own client and serdes: the point
// of the stand-in is that code written against them works unchanged.

const paymentEvent: SchemaInfo = { schemaType: 'AVRO', schema: repoSchema('payment-event.avsc') };

/** payment-event.avsc plus one field: with a default (a compatible evolution) or without. */
function paymentEventWithRiskScore(withDefault: boolean): SchemaInfo {
  const schema = JSON.parse(paymentEvent.schema) as { fields: unknown[] };
  schema.fields.push(withDefault ? { name: 'risk_score', type: 'double', default: 0 } : { name: 'risk_score', type: 'double' });
  return { schemaType: 'AVRO', schema: JSON.stringify(schema) };
}

const event = {
  event_id: 'evt-1',
  occurred_at: 1_700_000_000_000,
  ingested_at: 1_700_000_000_250,
  card_id: 'card-9',
  amount: 42.5,
  currency: 'EUR',
  merchant_id: 'm-1',
  merchant_category: '5411',
  country: 'NL',
  channel: 'pos',
};

/** A client with empty caches, so every call below really goes over HTTP. */
const freshClient = (registry: RunningSchemaRegistry) => new SchemaRegistryClient({ baseURLs: [registry.url], maxRetries: 0 });

async function restErrorOf(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RestError) return err;
    throw err;
  }
  throw new Error('expected the registry to refuse');
}

describe('startSchemaRegistry with the official SchemaRegistryClient', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let registry: RunningSchemaRegistry;

  beforeAll(async () => {
    temp = await makeTempDir();
    registry = await startSchemaRegistry({ stateFile: join(temp.dir, 'state.json') });
  });
  afterAll(async () => {
    await registry.close();
    await temp.remove();
  });

  it('listens on a free port and answers the health probe', async () => {
    expect(registry.url).toBe(`http://127.0.0.1:${registry.port}`);
    expect((await fetch(`${registry.url}/healthz`)).status).toBe(200);
  });

  it('registers and looks up schemas', async () => {
    const id = await freshClient(registry).register('payments-value', paymentEvent);
    const client = freshClient(registry);
    expect(await client.getId('payments-value', paymentEvent)).toBe(id);
    expect(await client.getVersion('payments-value', paymentEvent)).toBe(1);
    expect(await client.getBySubjectAndId('payments-value', id)).toMatchObject({ schema: paymentEvent.schema });
    expect(await client.getLatestSchemaMetadata('payments-value')).toMatchObject({
      id,
      version: 1,
      subject: 'payments-value',
      schema: paymentEvent.schema,
    });
    expect(await client.getSchemaMetadata('payments-value', 1)).toMatchObject({ id, version: 1 });
    expect(await client.getAllVersions('payments-value')).toEqual([1]);
    // Same schema, other subject: same global id.
    expect(await client.register('payments-copy-value', paymentEvent)).toBe(id);
    expect(await client.getAllSubjects()).toEqual(expect.arrayContaining(['payments-value', 'payments-copy-value']));
    const missing = await restErrorOf(client.getLatestSchemaMetadata('no-such-subject'));
    expect([missing.status, missing.errorCode]).toEqual([404, 40401]);
  });

  it('updates compatibility, refuses an incompatible evolution with 409 and accepts a compatible one', async () => {
    const client = freshClient(registry);
    const subject = 'evolving-value';
    const firstId = await client.register(subject, paymentEvent);

    expect(await client.updateCompatibility(subject, Compatibility.FULL)).toBe('FULL');
    expect(await client.getCompatibility(subject)).toBe('FULL');
    expect(await client.updateDefaultCompatibility(Compatibility.BACKWARD)).toBe('BACKWARD');
    expect(await client.getDefaultCompatibility()).toBe('BACKWARD');

    expect(await client.testSubjectCompatibility(subject, paymentEventWithRiskScore(false))).toBe(false);
    const refused = await restErrorOf(client.register(subject, paymentEventWithRiskScore(false)));
    expect([refused.status, refused.errorCode]).toEqual([409, 409]);

    expect(await client.testCompatibility(subject, 1, paymentEventWithRiskScore(true))).toBe(true);
    const evolved = await client.registerFullResponse(subject, paymentEventWithRiskScore(true));
    expect(evolved.id).not.toBe(firstId);
    expect(evolved.version).toBe(2);
    expect(await client.getAllVersions(subject)).toEqual([1, 2]);
  });

  it('BACKWARD accepts what BACKWARD_TRANSITIVE refuses', async () => {
    const client = freshClient(registry);
    const withA = { schemaType: 'AVRO', schema: recordSchema('R', [{ name: 'a', type: 'string' }]) };
    const withoutA = { schemaType: 'AVRO', schema: recordSchema('R', []) };
    // `a` comes back as an int: readable from v2 data (default) but not from v1 data (a string).
    const aAsInt = { schemaType: 'AVRO', schema: recordSchema('R', [{ name: 'a', type: 'int', default: 0 }]) };
    for (const subject of ['plain-value', 'transitive-value']) {
      await client.register(subject, withA);
      await client.register(subject, withoutA);
    }
    await client.updateCompatibility('plain-value', Compatibility.BACKWARD);
    await client.updateCompatibility('transitive-value', Compatibility.BACKWARD_TRANSITIVE);

    expect(await client.registerFullResponse('plain-value', aAsInt)).toMatchObject({ version: 3 });
    const refused = await restErrorOf(client.register('transitive-value', aAsInt));
    expect(refused.errorCode).toBe(409);
  });

  it('deletes versions and subjects', async () => {
    const client = freshClient(registry);
    await client.register('doomed-value', { schemaType: 'AVRO', schema: recordSchema('D', []) });
    await client.register('doomed-value', { schemaType: 'AVRO', schema: recordSchema('D', [{ name: 'x', type: 'int', default: 1 }]) });
    expect(await client.deleteSubjectVersion('doomed-value', 2)).toBe(2);
    expect(await client.getAllVersions('doomed-value')).toEqual([1]);
    expect(await client.deleteSubject('doomed-value')).toEqual([1]);
    expect(await client.deleteSubject('doomed-value', true)).toEqual([1, 2]);
    expect(await client.getAllSubjects()).not.toContain('doomed-value');
  });

  it('close is idempotent', async () => {
    const extra = await startSchemaRegistry();
    const closing = extra.close();
    expect(extra.close()).toBe(closing);
    await closing;
  });
});

describe('AvroSerializer and AvroDeserializer round trips for topic t', () => {
  let registry: RunningSchemaRegistry;
  beforeEach(async () => {
    registry = await startSchemaRegistry();
  });
  afterEach(async () => {
    await registry.close();
  });

  it('autoRegisterSchemas registers the schema as t-value and the record reads back', async () => {
    const client = freshClient(registry);
    const serializer = new AvroSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: true });
    // The client derives the schema from the value (Type.forValue): ints, strings and exact floats.
    const value = { event_id: 'evt-1', amount: 12.5, items: 3, channel: 'pos' };
    const bytes = await serializer.serialize('t', value);

    const latest = await freshClient(registry).getLatestSchemaMetadata('t-value');
    expect(latest.version).toBe(1);
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(latest.id);

    const deserializer = new AvroDeserializer(freshClient(registry), SerdeType.VALUE, {});
    expect(await deserializer.deserialize('t', bytes)).toEqual(value);
  });

  it('useLatestVersion writes with the registered repository schema, and readers on the latest version fill defaults', async () => {
    const client = freshClient(registry);
    const id = await client.register('t-value', paymentEvent);
    const serializer = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
    const bytes = await serializer.serialize('t', event);
    expect(bytes.readUInt32BE(1)).toBe(id);

    const deserializer = new AvroDeserializer(freshClient(registry), SerdeType.VALUE, {});
    expect(await deserializer.deserialize('t', bytes)).toEqual(event);

    // After a compatible evolution, a reader on the latest version reads old data with the default.
    await client.register('t-value', paymentEventWithRiskScore(true));
    const latestReader = new AvroDeserializer(freshClient(registry), SerdeType.VALUE, { useLatestVersion: true });
    expect(await latestReader.deserialize('t', bytes)).toEqual({ ...event, risk_score: 0 });
  });
});

describe('restarting on the same state file', () => {
  it('keeps ids, guids, versions and compatibility levels', async () => {
    const temp = await makeTempDir();
    const stateFile = join(temp.dir, 'registry', 'state.json');
    try {
      const first = await startSchemaRegistry({ stateFile });
      const client = freshClient(first);
      await client.register('other-value', { schemaType: 'AVRO', schema: repoSchema('prediction.avsc') });
      const v1 = await client.registerFullResponse('payments-value', paymentEvent);
      const v2 = await client.registerFullResponse('payments-value', paymentEventWithRiskScore(true));
      await client.updateCompatibility('payments-value', Compatibility.FULL_TRANSITIVE);
      await first.close();

      const second = await startSchemaRegistry({ stateFile });
      try {
        const after = freshClient(second);
        expect(await after.getAllVersions('payments-value')).toEqual([1, 2]);
        expect(await after.getLatestSchemaMetadata('payments-value')).toMatchObject({ id: v2.id, guid: v2.guid, version: 2 });
        expect(await after.getBySubjectAndId('payments-value', v1.id ?? -1)).toMatchObject({ schema: paymentEvent.schema, guid: v1.guid });
        expect(await after.getId('payments-value', paymentEvent)).toBe(v1.id);
        expect(await after.getCompatibility('payments-value')).toBe('FULL_TRANSITIVE');
        // New registrations continue the numbering instead of reusing ids or versions.
        const v3 = await after
          .registerFullResponse('payments-value', { schemaType: 'AVRO', schema: recordSchema('PaymentEvent', []) })
          .catch((err: unknown) => err);
        expect(v3).toBeInstanceOf(RestError);
        await after.updateCompatibility('payments-value', Compatibility.NONE);
        const next = await after.registerFullResponse('payments-value', { schemaType: 'AVRO', schema: recordSchema('Other', []) });
        expect(next).toMatchObject({ id: 4, version: 3 });
      } finally {
        await second.close();
      }
    } finally {
      await temp.remove();
    }
  });
});
