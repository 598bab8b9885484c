import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAvroEncoder } from '@tidewater/kafka';
import { loadSchema } from '@tidewater/schemas';
import { stackEndpoints } from '@tidewater/test-support';
import { event, startIngestionHarness, type Collected, type IngestionHarness } from '../test/ingestion-harness.js';
import { replayDeadLetters } from './dlq-replay.js';

const logger = pino({ level: 'silent' });
const execFileAsync = promisify(execFile);
const replayScript = new URL('../scripts/replay-dlq.ts', import.meta.url).pathname;

describe('ingestion on the dev stack', () => {
  let h: IngestionHarness;
  let topics: IngestionHarness['topics'];
  let kafka: IngestionHarness['kafka'];
  let producer: IngestionHarness['producer'];
  let registry: IngestionHarness['registry'];
  let metrics: IngestionHarness['metrics'];
  let out: Collected;
  let post: IngestionHarness['post'];
  let HMAC_KEY: string;

  beforeAll(async () => {
    h = await startIngestionHarness();
    ({ topics, kafka, producer, registry, metrics, out, post, hmacKey: HMAC_KEY } = h);
  });

  afterAll(async () => {
    await h?.close();
  });

  async function duplicates(input: 'kafka' | 'http'): Promise<number> {
    const m = await metrics.getSingleMetric('tw_ingest_duplicates_total')!.get();
    return m.values.find((v) => v.labels['input'] === input)?.value ?? 0;
  }

  it('routes every raw Kafka input (JSON and Avro, good and bad) to events.valid, events.dlq or the duplicate count', async () => {
    const dup = event();
    const { amount: _a, ...missing } = event();
    const avro = await createAvroEncoder<Record<string, unknown>>({
      registry,
      subject: `${topics.raw}-value`,
      schema: loadSchema('rawPaymentEvent'),
      autoRegister: true,
    });
    const avroEvent = event();
    const cases: [string, Buffer, string | 'valid' | 'duplicate'][] = [
      ['good JSON', Buffer.from(JSON.stringify(event())), 'valid'],
      ['good Avro', avro.encode(avroEvent), 'valid'],
      ['Avro with a broken body', Buffer.concat([avro.encode(event()).subarray(0, 8)]), 'TW_SERDE_CORRUPT_BODY'],
      ['malformed JSON', Buffer.from('{"event_id":'), 'TW_INGEST_MALFORMED_JSON'],
      ['invalid UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'TW_INGEST_MALFORMED_JSON'],
      ['a wrong type', Buffer.from(JSON.stringify(event({ amount: '1' }))), 'TW_INGEST_SCHEMA_VIOLATION'],
      ['a missing field', Buffer.from(JSON.stringify(missing)), 'TW_INGEST_SCHEMA_VIOLATION'],
      ['a negative amount', Buffer.from(JSON.stringify(event({ amount: -1 }))), 'TW_INGEST_INVALID_AMOUNT'],
      // JSON has no NaN (it is malformed JSON there); Avro's double does.
      ['a NaN amount (Avro)', avro.encode(event({ amount: Number.NaN })), 'TW_INGEST_INVALID_AMOUNT'],
      ['an unknown field (dropped by the default policy)', Buffer.from(JSON.stringify(event({ note: 'x' }))), 'valid'],
      ['a bad currency', Buffer.from(JSON.stringify(event({ currency: 'EURO' }))), 'TW_INGEST_INVALID_CURRENCY'],
      ['a far-future timestamp', Buffer.from(JSON.stringify(event({ occurred_at: '2099-01-01T00:00:00Z' }))), 'TW_INGEST_FUTURE_TIMESTAMP'],
      ['an unparseable timestamp', Buffer.from(JSON.stringify(event({ occurred_at: 'soon' }))), 'TW_INGEST_INVALID_TIMESTAMP'],
      ['a first copy', Buffer.from(JSON.stringify(dup)), 'valid'],
      ['a second copy', Buffer.from(JSON.stringify(dup)), 'duplicate'],
    ];
    const dupsBefore = await duplicates('kafka');
    // One partition key so the two copies keep their order.
    await producer.send(
      topics.raw,
      cases.map(([, value]) => ({ key: 'k', value })),
    );
    const expectedValid = cases.filter((c) => c[2] === 'valid').length;
    const expectedDlq = cases.filter((c) => c[2] !== 'valid' && c[2] !== 'duplicate');
    await expect.poll(() => out.dlq.filter((d) => d.offset !== undefined).length, { timeout: 30_000 }).toBe(expectedDlq.length);
    await expect.poll(() => out.valid.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(expectedValid);
    expect(out.valid.map((v) => v.eventId)).toEqual(expect.arrayContaining([avroEvent['event_id'], dup['event_id']]));
    // SENSITIVE_FIELDS as wired by createApp: the card hashed with the key, the merchant masked.
    expect(out.valid.find((v) => v.eventId === avroEvent['event_id'])).toMatchObject({
      cardId: createHmac('sha256', HMAC_KEY).update(String(avroEvent['card_id'])).digest('hex'),
      merchantId: '**1',
    });
    expect(await duplicates('kafka')).toBe(dupsBefore + 1);
    // Each rejected input kept its bytes and got its documented code.
    const byBytes = new Map(out.dlq.map((d) => [d.value?.toString('hex'), d.code]));
    for (const [what, bytes, code] of expectedDlq) expect([what, byBytes.get(bytes.toString('hex'))]).toEqual([what, code]);
    expect(out.valid.length + out.dlq.length + 1).toBe(cases.length);
  });

  it('replays dead letters by code through the same validation (script and function)', async () => {
    const dlqBefore = out.dlq.length;
    const { stdout } = await execFileAsync(
      'npx',
      ['tsx', replayScript, '--code', 'TW_INGEST_INVALID_CURRENCY', '--source', 'kafka', '--dry-run'],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: stackEndpoints().brokers.join(','),
          TOPIC_EVENTS_DLQ: topics.dlq,
          TOPIC_EVENTS_RAW: topics.raw,
        },
      },
    );
    const dry = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(dry).toMatchObject({ dryRun: true, matched: 1, replayed: 0, byCode: { TW_INGEST_INVALID_CURRENCY: 1 } });
    const summary = await replayDeadLetters({
      kafka,
      producer,
      dlqTopic: topics.dlq,
      targetTopic: topics.raw,
      filter: { codes: ['TW_INGEST_INVALID_CURRENCY'] },
      dryRun: false,
      logger,
    });
    expect(summary).toMatchObject({ matched: 1, replayed: 1 });
    // Still invalid: ingestion rejects it again, with the same code and the same bytes, marked as a replay.
    await expect.poll(() => out.dlq.length - dlqBefore, { timeout: 30_000 }).toBe(1);
    const again = out.dlq.at(-1)!;
    expect(again.code).toBe('TW_INGEST_INVALID_CURRENCY');
    expect(again.replayOf).toMatch(new RegExp(`^${topics.dlq}/0/\\d+$`));
    expect(JSON.parse(again.value!.toString())).toMatchObject({ currency: 'EURO' });
  });

  it('takes a random sample over HTTP and lands each event in exactly one place on real Kafka', async () => {
    const validBefore = out.valid.length;
    const dlqBefore = out.dlq.length;
    const sample = fc.sample(
      fc.oneof(
        fc.constant(null).map(() => event()),
        fc
          .tuple(fc.constantFrom('amount', 'currency', 'occurred_at', 'channel', 'event_id'), fc.jsonValue())
          .map(([k, v]) => event({ [k]: v })),
      ),
      { numRuns: 120, seed: 42 },
    );
    sample.push(sample[0]!); // a duplicate across the batch
    let accepted = 0;
    let rejected = 0;
    let dups = 0;
    for (let i = 0; i < sample.length; i += 40) {
      const res = await post(JSON.stringify(sample.slice(i, i + 40)));
      expect([200, 422]).toContain(res.statusCode);
      const body = res.json();
      accepted += body.accepted;
      rejected += body.rejected;
      dups += body.duplicates;
    }
    expect(accepted + rejected + dups).toBe(sample.length);
    expect(dups).toBeGreaterThanOrEqual(1);
    await expect.poll(() => out.valid.length - validBefore, { timeout: 30_000 }).toBe(accepted);
    await expect.poll(() => out.dlq.length - dlqBefore, { timeout: 30_000 }).toBe(rejected);
    expect(out.dlq.slice(dlqBefore).every((d) => d.requestId !== undefined)).toBe(true);
  });

  it('continues the trace of the HTTP request on events.valid', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const e = event();
    const res = await post(JSON.stringify(e), { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    expect(res.statusCode).toBe(200);
    await expect.poll(() => out.valid.find((v) => v.eventId === e['event_id'])?.traceparent, { timeout: 30_000 }).toContain(traceId);
  });
});
