import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMemoryDedupe } from './dedupe.js';
import { ingestMetrics } from './ingest-metrics.js';
import { createIngestPath } from './ingest-path.js';
import { createMemorySink } from './memory-sink.js';

// Issue 20, hole 5, on the Kafka input: a record of events.raw whose JSON holds a lone surrogate escape.
describe('Kafka input: well-formed text', () => {
  it('dead-letters a record with a lone surrogate with TW_INGEST_INVALID_TEXT and its original bytes', async () => {
    const sink = createMemorySink();
    const path = createIngestPath({
      policy: { unknownFields: 'drop', maxFutureSkewMs: 300_000 },
      protect: (e) => e,
      dedupe: createMemoryDedupe({ windowMs: 60_000, pendingMs: 5_000 }),
      sink,
      metrics: ingestMetrics(new Registry()),
      logger: pino({ level: 'silent' }),
      now: () => Date.UTC(2026, 10, 23, 12),
    });
    const raw = (eventId: string) =>
      `{"event_id":"${eventId}","occurred_at":"2026-11-23T11:00:00Z","card_id":"card-1","amount":1,"currency":"EUR",` +
      `"merchant_id":"m-1","merchant_category":"5411","country":"DE","channel":"ecom"}`;
    // The escape as sent on the wire: six ASCII bytes, valid UTF-8, valid JSON.
    const bad = Buffer.from(raw('e-\\udc00-1'));
    const pair = Buffer.from(raw('e-\\ud83d\\ude00-2'));
    const source = { kind: 'kafka', topic: 'events.raw', partition: 0, offset: '7' } as const;
    const results = await path.ingest(
      [
        { value: bad, source, owner: 'kafka:0:7' },
        { value: pair, source: { ...source, offset: '8' }, owner: 'kafka:0:8' },
      ],
      'kafka',
    );
    expect(results.map((r) => ('code' in r ? r.code : r.status))).toEqual(['TW_INGEST_INVALID_TEXT', 'accepted']);
    expect(sink.dlq.map((l) => [l.error.code, l.value?.equals(bad)])).toEqual([['TW_INGEST_INVALID_TEXT', true]]);
    // A surrogate pair is one astral character, and is published as such.
    expect(sink.valid.map((v) => v.event.event_id)).toEqual(['e-😀-2']);
  });
});
