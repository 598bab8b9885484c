import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockKafkaControl } from '@tidewater/test-support';
import { event, startIngestionHarness, type IngestionHarness } from '../test/ingestion-harness.js';

// Needs the mock cluster: it takes every broker down and up again through the control port.
const BROKER_IDS = [1, 2, 3];

describe('ingestion while Kafka is down (mock Kafka: broker down/up)', () => {
  let h: IngestionHarness;
  let post: IngestionHarness['post'];
  let out: IngestionHarness['out'];
  let topics: IngestionHarness['topics'];
  let producer: IngestionHarness['producer'];
  let app: IngestionHarness['app'];

  beforeAll(async () => {
    h = await startIngestionHarness();
    ({ post, out, topics, producer, app } = h);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('answers 503 while Kafka is down, and loses no accepted event once it returns', { timeout: 180_000 }, async () => {
    const control = await mockKafkaControl();
    const before = [event(), event()];
    expect((await post(JSON.stringify(before))).statusCode).toBe(200);
    const during = [event(), event(), event()];
    let down;
    try {
      for (const id of BROKER_IDS) await control.brokerDown(id);
      down = await post(JSON.stringify(during));
    } finally {
      await sleep(500);
      for (const id of BROKER_IDS) await control.brokerUp(id);
      await control.close();
    }
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.json().error.code).toMatch(/^TW_INGEST_(UNAVAILABLE|IN_FLIGHT)$/);
    // The client retries as told until Kafka takes the batch: each event accepted once, or reported a
    // duplicate because the send that timed out reached Kafka after all.
    let retry;
    for (let attempt = 0; attempt < 60; attempt++) {
      retry = await post(JSON.stringify(during));
      if (retry.statusCode === 200) break;
      await sleep(1000);
    }
    expect(retry!.statusCode).toBe(200);
    expect(retry!.json().accepted + retry!.json().duplicates).toBe(3);
    const ids = [...before, ...during].map((e) => e['event_id']);
    await expect.poll(() => ids.filter((id) => out.valid.some((v) => v.eventId === id)).length, { timeout: 30_000 }).toBe(5);
    // And none twice: the timed-out first attempt kept its claims (renewed) until Kafka took it, so the
    // retries were told TW_INGEST_IN_FLIGHT and then duplicate, never published again. Checked up to
    // sentinel events sent now, on several cards so on every partition: a copy would be read before them.
    const sentinels = Array.from({ length: 12 }, (_, i) => event({ card_id: `sentinel-card-${i}` }));
    expect((await post(JSON.stringify(sentinels))).statusCode).toBe(200);
    const sentinelIds = sentinels.map((e) => e['event_id']);
    await expect.poll(() => sentinelIds.filter((id) => out.valid.some((v) => v.eventId === id)).length, { timeout: 30_000 }).toBe(12);
    expect(ids.map((id) => out.valid.filter((v) => v.eventId === id).length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('pauses the Kafka input while Kafka is down and resumes on its own, losing nothing', { timeout: 180_000 }, async () => {
    const control = await mockKafkaControl();
    const events = Array.from({ length: 30 }, () => event());
    const ids = new Set(events.map((e) => e['event_id'] as string));
    const landed = () => new Set(out.valid.filter((v) => ids.has(v.eventId)).map((v) => v.eventId)).size;
    let crashed = false;
    void app.consumer.crashed().then(() => (crashed = true));
    let sending: Promise<unknown>;
    try {
      for (const id of BROKER_IDS) await control.brokerDown(id);
      sending = producer.send(
        topics.raw,
        events.map((e) => ({ key: e['card_id'] as string, value: Buffer.from(JSON.stringify(e)) })),
      );
      sending.catch(() => undefined); // awaited below
      await sleep(3000);
      expect(landed()).toBe(0);
    } finally {
      for (const id of BROKER_IDS) await control.brokerUp(id);
      await control.close();
    }
    await sending;
    await expect.poll(landed, { timeout: 90_000, interval: 500 }).toBe(30);
    expect(crashed).toBe(false);
  });
});
