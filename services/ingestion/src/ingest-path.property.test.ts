import fc from 'fast-check';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMemoryDedupe } from './dedupe.js';
import { ingestMetrics } from './ingest-metrics.js';
import { createIngestPath, type RawInput } from './ingest-path.js';
import { createMemorySink } from './memory-sink.js';

const logger = pino({ level: 'silent' });
const now = Date.UTC(2026, 10, 23, 12);

const validEvent = fc.record({
  event_id: fc.oneof(
    fc.constantFrom('dup-1', 'dup-2', 'dup-3'),
    fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ''),
  ),
  occurred_at: fc
    .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2026-11-23T12:04:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  card_id: fc.string({ minLength: 1, maxLength: 10 }).filter((s) => s.trim() !== ''),
  amount: fc.double({ min: 0, max: 1e6, noNaN: true }),
  currency: fc.constantFrom('EUR', 'USD', 'JPY', 'GBP'),
  merchant_id: fc.constantFrom('m-1', 'm-2'),
  merchant_category: fc.constantFrom('5411', '5812'),
  country: fc.constantFrom('DE', 'FR'),
  channel: fc.constantFrom('ecom', 'pos', 'atm', 'moto'),
});

const fields = [
  'event_id',
  'occurred_at',
  'card_id',
  'amount',
  'currency',
  'merchant_id',
  'merchant_category',
  'country',
  'channel',
  'extra',
];

/** A valid event with one field removed, replaced by any JSON value, or added. */
const mutatedEvent = fc
  .tuple(validEvent, fc.constantFrom(...fields), fc.oneof(fc.constant(undefined), fc.jsonValue()))
  .map(([e, field, value]) => {
    const copy: Record<string, unknown> = { ...e };
    if (value === undefined) delete copy[field];
    else copy[field] = value;
    return copy;
  });

const payload: fc.Arbitrary<Buffer | null> = fc.oneof(
  { weight: 4, arbitrary: validEvent.map((e) => Buffer.from(JSON.stringify(e))) },
  { weight: 4, arbitrary: mutatedEvent.map((e) => Buffer.from(JSON.stringify(e))) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  // Bytes of a valid event with one byte flipped: broken UTF-8, broken JSON, or still valid.
  {
    weight: 2,
    arbitrary: fc.tuple(validEvent, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([e, at, byte]) => {
      const b = Buffer.from(JSON.stringify(e));
      b[at % b.length] = byte;
      return b;
    }),
  },
  { weight: 1, arbitrary: fc.constant(null) },
);

describe('the ingest path under random and mutated payloads', () => {
  it('never crashes, and every input lands in exactly one of events.valid, events.dlq or the duplicate count', async () => {
    const seen = { valid: 0, dlq: 0, duplicates: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(payload, { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('drop' as const, 'reject' as const),
        async (batches, unknownFields) => {
          const registry = new Registry();
          const sink = createMemorySink();
          const path = createIngestPath({
            policy: { unknownFields, maxFutureSkewMs: 300_000 },
            protect: (e) => e,
            dedupe: createMemoryDedupe({ windowMs: 60_000, pendingMs: 5_000, now: () => now }),
            sink,
            metrics: ingestMetrics(registry),
            logger,
            now: () => now,
          });
          let submitted = 0;
          let duplicates = 0;
          const rejectedBytes: (Buffer | null)[] = [];
          const acceptedIds: string[] = [];
          for (const [b, batch] of batches.entries()) {
            const inputs: RawInput[] = batch.map((value, i) => ({
              value,
              source: { kind: 'kafka', topic: 'events.raw', partition: 0, offset: `${b}-${i}` },
              owner: `kafka:events.raw:0:${b}-${i}`,
            }));
            const results = await path.ingest(inputs, 'kafka');
            expect(results).toHaveLength(batch.length);
            submitted += batch.length;
            results.forEach((r, i) => {
              if (r.status === 'duplicate') duplicates++;
              else if (r.status === 'rejected') {
                rejectedBytes.push(batch[i]!);
                expect(r.code).toMatch(/^TW_INGEST_/);
              } else acceptedIds.push(r.eventId);
            });
          }
          expect(sink.valid.length + sink.dlq.length + duplicates).toBe(submitted);
          seen.valid += sink.valid.length;
          seen.dlq += sink.dlq.length;
          seen.duplicates += duplicates;
          expect(sink.valid.map((v) => v.event.event_id)).toEqual(acceptedIds);
          // Dedupe: no event_id is published twice.
          expect(new Set(acceptedIds).size).toBe(acceptedIds.length);
          // Dead letters keep the original bytes, in order.
          expect(sink.dlq.map((l) => l.value)).toEqual(rejectedBytes);
          const accepted = await registry.getSingleMetric('tw_ingest_accepted_total')!.get();
          expect(accepted.values.reduce((s, v) => s + v.value, 0)).toBe(sink.valid.length);
        },
      ),
      { numRuns: 300 },
    );
    // The generators reach all three outcomes, so the property is not vacuous.
    expect(seen.valid).toBeGreaterThan(100);
    expect(seen.dlq).toBeGreaterThan(100);
    expect(seen.duplicates).toBeGreaterThan(10);
  }, 60_000);
});
