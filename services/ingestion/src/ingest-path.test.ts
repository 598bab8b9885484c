import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TidewaterError } from '@tidewater/errors';
import { createMemoryDedupe } from './dedupe.js';
import { ingestMetrics } from './ingest-metrics.js';
import { createIngestPath, type Candidate } from './ingest-path.js';
import { createMemorySink } from './memory-sink.js';

const logger = pino({ level: 'silent' });
const now = Date.UTC(2026, 10, 23, 12);

function setup() {
  const sink = createMemorySink();
  const dedupe = createMemoryDedupe({ windowMs: 60_000, pendingMs: 5_000 });
  const path = createIngestPath({
    policy: { unknownFields: 'drop', maxFutureSkewMs: 300_000 },
    protect: (e) => e,
    dedupe,
    sink,
    metrics: ingestMetrics(new Registry()),
    logger,
    now: () => now,
  });
  return { sink, dedupe, path };
}

/** A valid event judged by a path of its own, so admit gets what the Kafka input hands it. */
const judge = setup().path.judge;

function candidate(eventId: string, owner: string): Candidate {
  const raw = {
    event_id: eventId,
    occurred_at: '2026-11-23T11:00:00Z',
    card_id: 'card-1',
    amount: 1,
    currency: 'EUR',
    merchant_id: 'm-1',
    merchant_category: '5411',
    country: 'DE',
    channel: 'ecom',
  };
  const { event } = judge(Buffer.from(JSON.stringify(raw)));
  return { eventId, event, owner };
}

describe('admit', () => {
  it('makes a Kafka copy of an id another input is publishing wait (retriable), instead of dropping it', async () => {
    const { sink, dedupe, path } = setup();
    const http = { eventId: 'e-1', owner: 'http:attempt-1:0' };
    expect(await dedupe.claim([http])).toEqual(['new']);
    const batch = [candidate('e-0', 'kafka:raw:0:1'), candidate('e-1', 'kafka:raw:0:2')];

    const err = await path.admit(batch, 'kafka').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TidewaterError);
    expect(err).toMatchObject({ code: 'TW_INGEST_IN_FLIGHT', retriable: true });
    // Nothing of the batch was published, and its own claim (e-0) was given back.
    expect(sink.valid).toHaveLength(0);
    expect(await dedupe.claim([{ eventId: 'e-0', owner: 'someone-else' }])).toEqual(['new']);
    await dedupe.release([{ eventId: 'e-0', owner: 'someone-else' }]);

    // The HTTP publish failed and its client never retries: the Kafka copy's retry must publish the event.
    await dedupe.release([http]);
    expect(await path.admit(batch, 'kafka')).toEqual(['accepted', 'accepted']);
    expect(sink.valid.map((v) => v.event.event_id)).toEqual(['e-0', 'e-1']);
  });

  it('counts the copy as a duplicate once the other input confirmed its publish', async () => {
    const { sink, dedupe, path } = setup();
    const http = { eventId: 'e-1', owner: 'http:attempt-1:0' };
    await dedupe.claim([http]);
    await dedupe.confirm([http]);
    expect(await path.admit([candidate('e-1', 'kafka:raw:0:2')], 'kafka')).toEqual(['duplicate']);
    expect(sink.valid).toHaveLength(0);
  });
});
