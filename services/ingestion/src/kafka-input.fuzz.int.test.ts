import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAvroEncoder, type AvroEncoder } from '@tidewater/kafka';
import { loadSchema } from '@tidewater/schemas';
import { event, startIngestionHarness, type IngestionHarness } from '../test/ingestion-harness.js';

// Issue 20, part 6: fast-check fuzzing of ingestion's Kafka input on the dev stack. Raw JSON (mutated
// events, lone surrogates, arbitrary JSON and bytes) and Avro (random schema ids, random and truncated
// bodies) go to events.raw; each record must end in exactly one of events.valid or events.dlq, a dead
// letter with its original bytes and a TW_ code, and the consumer must keep going (no record stuck).
const runs = 300;
const seed = 2020;

type Fuzzed = { readonly kind: string; readonly value: Buffer; readonly eventId?: string };

const loneSurrogate = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff');
const oddText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(fc.string({ maxLength: 8 }), loneSurrogate, fc.string({ maxLength: 8 })).map((p) => p.join('')),
  fc.constantFrom('', ' ', 'x'.repeat(129), 'x'.repeat(128), '€'.repeat(128), '__proto__', 'constructor'),
);
const fields = ['event_id', 'occurred_at', 'card_id', 'amount', 'currency', 'merchant_id', 'merchant_category', 'country', 'channel'];

function fuzzedRecord(avro: AvroEncoder<Record<string, unknown>>, schemaId: number, unique: () => string): fc.Arbitrary<Fuzzed> {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null');
  // An event with one or two fields replaced; the event_id stays unique (a suffix at most) so no record is a duplicate.
  const mutated = fc
    .array(fc.tuple(fc.constantFrom(...fields), fc.oneof(oddText, fc.jsonValue({ maxDepth: 2 }))), { minLength: 1, maxLength: 2 })
    .map((patches) => {
      const id = unique();
      const patch = Object.fromEntries(patches.map(([k, v]) => [k, k === 'event_id' && typeof v === 'string' ? `${id}${v}` : v]));
      const e = event({ event_id: id, ...patch });
      return { kind: 'mutated JSON event', value: json(e), eventId: typeof e['event_id'] === 'string' ? e['event_id'] : undefined };
    });
  const good = fc.constant(null).map(() => {
    const id = unique();
    return { kind: 'valid JSON event', value: json(event({ event_id: id })), eventId: id };
  });
  const anyJson = fc.jsonValue({ maxDepth: 3 }).map((v) => ({ kind: 'arbitrary JSON', value: json(v) }));
  const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => ({ kind: 'arbitrary bytes', value: Buffer.from(b) }));
  const wire = (id: number, body: Uint8Array) => {
    const header = Buffer.alloc(5);
    header.writeUInt32BE(id >>> 0, 1);
    return Buffer.concat([header, body]);
  };
  const randomSchemaId = fc
    .tuple(
      fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 1, 2 ** 31, 2 ** 32 - 1)),
      fc.uint8Array({ maxLength: 48 }),
    )
    .map(([id, body]) => ({ kind: 'Avro, random schema id', value: wire(id, body) }));
  const randomBody = fc.uint8Array({ maxLength: 64 }).map((body) => ({ kind: 'Avro, random body', value: wire(schemaId, body) }));
  const truncated = fc.nat().map((n) => {
    const full = avro.encode(event({ event_id: unique() }));
    return { kind: 'Avro, truncated', value: full.subarray(0, 5 + (n % (full.length - 5))) };
  });
  const avroOk = fc.constant(null).map(() => {
    const id = unique();
    return { kind: 'valid Avro event', value: avro.encode(event({ event_id: id })), eventId: id };
  });
  return fc.oneof(mutated, mutated, good, anyJson, bytes, randomSchemaId, randomBody, truncated, avroOk);
}

describe('ingestion Kafka input under fast-check fuzzing', () => {
  let h: IngestionHarness;
  let avro: AvroEncoder<Record<string, unknown>>;
  let schemaId: number;

  beforeAll(async () => {
    h = await startIngestionHarness();
    avro = await createAvroEncoder<Record<string, unknown>>({
      registry: h.registry,
      subject: `${h.topics.raw}-value`,
      schema: loadSchema('rawPaymentEvent'),
      autoRegister: true,
    });
    schemaId = avro.encode(event()).readUInt32BE(1);
  });

  afterAll(async () => {
    await h?.close();
  });

  it(`routes ${runs} fuzzed records each to exactly one of events.valid or events.dlq`, async () => {
    let n = 0;
    const unique = () => `fz-${seed}-${n++}`;
    const records = fc.sample(fuzzedRecord(avro, schemaId, unique), { numRuns: runs, seed });
    // One key: one partition, so a dead letter's tw.source.offset names the record it came from.
    const acks = await h.producer.send(
      h.topics.raw,
      records.map((r) => ({ key: 'fuzz', value: r.value })),
    );
    const base = Number(acks[0]!.baseOffset ?? acks[0]!.offset);
    const byOffset = new Map(records.map((r, i) => [String(base + i), r]));

    const oursValid = () => h.out.valid.filter((v) => v.eventId.startsWith(`fz-${seed}-`));
    await expect.poll(() => oursValid().length + h.out.dlq.length, { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(runs);

    const validIds = oursValid().map((v) => v.eventId);
    expect(new Set(validIds).size, 'an event published twice').toBe(validIds.length);
    const dlqOffsets = h.out.dlq.map((d) => d.offset);
    expect(new Set(dlqOffsets).size, 'a record dead-lettered twice').toBe(dlqOffsets.length);
    for (const d of h.out.dlq) {
      const source = byOffset.get(d.offset ?? '');
      expect(source, `dead letter from an unknown offset ${d.offset}`).toBeDefined();
      expect(d.code, source!.kind).toMatch(/^TW_(INGEST|SERDE)_[A-Z_]+$/);
      expect(d.value?.equals(source!.value), `${source!.kind}: original bytes kept`).toBe(true);
    }
    const validSet = new Set(validIds);
    const dlqSet = new Set(dlqOffsets);
    records.forEach((r, i) => {
      const published = r.eventId !== undefined && validSet.has(r.eventId);
      const dead = dlqSet.has(String(base + i));
      expect([r.kind, i, published !== dead], 'exactly one of events.valid or events.dlq').toEqual([r.kind, i, true]);
    });
    expect(validIds.length + dlqOffsets.length).toBe(runs);
    // The sample reached the paths it is meant to: published events, and each family of rejection.
    expect(validIds.length).toBeGreaterThan(0);
    expect([...new Set(h.out.dlq.map((d) => d.code))]).toEqual(
      expect.arrayContaining(['TW_INGEST_INVALID_TEXT', 'TW_INGEST_MALFORMED_JSON', 'TW_SERDE_UNKNOWN_SCHEMA_ID', 'TW_SERDE_CORRUPT_BODY']),
    );
    // The kinds that must be rejected were: whatever a lone surrogate reaches is never published.
    for (const r of records)
      if (/(?<!\\)\\ud[89a-f][0-9a-f]{2}/i.test(r.value.toString('latin1'))) expect(validSet.has(r.eventId ?? '')).toBe(false);
  });
});
