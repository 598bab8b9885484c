import { describe, expect, it } from 'vitest';
import { parseAvroSchema, storedSchemaType } from './avro-schema.js';
import { devSchemaRegistryErrors } from './errors.js';
import { repoSchema } from '../test/test-helpers.js';

describe('parseAvroSchema', () => {
  it('gives whitespace, key order and {"type": primitive} variants one identity', () => {
    const a = parseAvroSchema('{"type":"record","name":"R","fields":[{"name":"x","type":"int"}]}');
    const b = parseAvroSchema('{ "fields": [ { "type": { "type": "int" }, "name": "x" } ],\n "name": "R", "type": "record" }');
    expect(a.canonical).toBe(b.canonical);
  });

  it('keeps defaults, docs and logical types in the identity', () => {
    const plain = parseAvroSchema('{"type":"record","name":"R","fields":[{"name":"x","type":"long"}]}');
    const withDefault = parseAvroSchema('{"type":"record","name":"R","fields":[{"name":"x","type":"long","default":0}]}');
    const withDoc = parseAvroSchema('{"type":"record","name":"R","doc":"d","fields":[{"name":"x","type":"long"}]}');
    const timestamp = parseAvroSchema(
      '{"type":"record","name":"R","fields":[{"name":"x","type":{"type":"long","logicalType":"timestamp-millis"}}]}',
    );
    const identities = new Set([plain, withDefault, withDoc, timestamp].map((s) => s.canonical));
    expect(identities.size).toBe(4);
  });

  it('does not rewrite default values that look like types', () => {
    const inner = { type: 'record', name: 'Inner', fields: [{ name: 'type', type: 'string' }] };
    const a = parseAvroSchema(
      JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'i', type: inner, default: { type: 'int' } }] }),
    );
    expect(a.canonical).toContain('"default":{"type":"int"}');
  });

  it('parses the repository schemas', () => {
    expect(parseAvroSchema(repoSchema('payment-event.avsc')).type.name).toBe('io.tidewater.events.PaymentEvent');
    expect(storedSchemaType(repoSchema('prediction.avsc')).typeName).toBe('record');
  });

  it('refuses text that is not JSON or not Avro with TW_DEVSR_INVALID_SCHEMA', () => {
    for (const text of ['{not json', '{"type":"no-such-type"}', '{"type":"record","name":"R"}']) {
      let thrown: unknown;
      try {
        parseAvroSchema(text);
      } catch (err) {
        thrown = err;
      }
      expect(devSchemaRegistryErrors.is(thrown, 'TW_DEVSR_INVALID_SCHEMA')).toBe(true);
    }
  });
});
