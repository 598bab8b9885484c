import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, deadLetterHeaders } from '@tidewater/kafka';
import { createTopics, type RunningService, testKafka, uniqueName } from '@tidewater/test-support';
import { privateTopics, serviceProcessEnv, startServiceProcesses, watchPrivateTopics } from './pipeline-fixture.js';

/**
 * Issue 20 on Kafka: ingestion, feature and inference as separate processes. An amount of 1e308 and
 * an occurred_at of 0001-01-01 are dead-lettered with their codes (they used to be scored: NaN, and a
 * window that never closed), and an ordinary payment on the same card afterwards scores exactly as
 * on a card that never saw them (it used to score 1: the card's window sum was Infinity).
 */
describe('absurd numbers and times on the stream', () => {
  const prefix = uniqueName('extreme');
  const topics = privateTopics(prefix);
  const services: RunningService[] = [];
  let watcher: ReturnType<typeof watchPrivateTopics>;

  beforeAll(async () => {
    await createTopics(Object.values(topics).map((name) => ({ name, partitions: name.endsWith('dlq') ? 1 : 3 })));
    services.push(...(await startServiceProcesses(['inference', 'feature', 'ingestion'], serviceProcessEnv(prefix, topics), prefix)));
    watcher = watchPrivateTopics(topics);
    await watcher.start();
  }, 180_000);

  afterAll(async () => {
    await watcher?.stop();
    for (const s of services) await s.stop();
  });

  const event = (id: string, card: string, patch: Record<string, unknown> = {}) => ({
    event_id: `${prefix}-${id}`,
    occurred_at: new Date(Date.now() - 60_000).toISOString(),
    card_id: `${prefix}-${card}`,
    amount: 10,
    currency: 'EUR',
    merchant_id: 'm-1',
    merchant_category: '5411',
    country: 'DE',
    channel: 'ecom',
    ...patch,
  });

  async function until(what: string, done: () => boolean, ms = 45_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }

  it('dead-letters 1e308 and 0001-01-01 with their codes, and the card’s next payment scores as on a fresh card', async () => {
    const producer = createProducer({ kafka: testKafka() });
    await producer.start();
    const out = watcher.outputs;
    try {
      // JSON.stringify writes 1e308 as 1e+308: the number itself, as an upstream system would send it.
      const absurd = [event('huge', 'card-x', { amount: 1e308 }), event('ancient', 'card-x', { occurred_at: '0001-01-01T00:00:00Z' })];
      await producer.send(
        topics.TOPIC_EVENTS_RAW,
        absurd.map((e) => ({ key: e.card_id, value: Buffer.from(JSON.stringify(e)) })),
      );
      await until('two dead letters', () => out.deadLetters.length >= 2 || out.predictions.length > 0);
      expect(out.predictions.map((p) => [p.event_id, p.score])).toEqual([]);
      const codes = new Map(out.deadLetters.map((d) => [JSON.parse(d.value!.toString()).event_id as string, d.code]));
      expect(codes).toEqual(
        new Map([
          [`${prefix}-huge`, 'TW_INGEST_AMOUNT_OUT_OF_RANGE'],
          [`${prefix}-ancient`, 'TW_INGEST_PAST_TIMESTAMP'],
        ]),
      );
      for (const d of out.deadLetters) expect(d.headers[deadLetterHeaders.sourceTopic]?.toString()).toBe(topics.TOPIC_EVENTS_RAW);

      // The same payment at the same moment on the card that saw them and on a fresh one: same features, same score.
      const at = new Date(Date.now() - 30_000).toISOString();
      const ordinary = [event('after', 'card-x', { occurred_at: at }), event('fresh', 'card-y', { occurred_at: at })];
      await producer.send(
        topics.TOPIC_EVENTS_RAW,
        ordinary.map((e) => ({ key: e.card_id, value: Buffer.from(JSON.stringify(e)) })),
      );
      await until('two predictions', () => out.predictions.length >= 2);
    } finally {
      await producer.close();
    }
    const byId = new Map(out.predictions.map((p) => [p.event_id, p]));
    const after = byId.get(`${prefix}-after`)!;
    const fresh = byId.get(`${prefix}-fresh`)!;
    expect(Number.isFinite(after.score) && after.score >= 0 && after.score <= 1).toBe(true);
    expect(after.score).toBeCloseTo(fresh.score, 6);
    expect(after.label).toBe(false);
    expect(out.deadLetters).toHaveLength(2);

    // The card's served features are finite: the window holds the 10 EUR payment only.
    const feature = services.find((s) => s.name === 'feature')!;
    const res = await fetch(`http://127.0.0.1:${feature.port}/v1/features/${encodeURIComponent(`${prefix}-card-x`)}`);
    expect(res.status).toBe(200);
    const vector = (await res.json()) as { features: Record<string, unknown> };
    expect(vector.features).toMatchObject({ amount: 10, amount_sum_1h: 10, txn_count_1h: 1 });
  }, 120_000);
});
