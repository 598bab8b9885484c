import { describe, expect, it } from 'vitest';
import { createTopics, uniqueName } from '@tidewater/test-support';
import { producerFixture } from '../test/producer-fixture.js';

// Regression: a send of many records with one key became one record batch over the broker's
// message.max.bytes (1 MiB), which Kafka refused with MESSAGE_TOO_LARGE and the idempotent producer
// retried forever; the feature service stalled on any backlog on Apache Kafka this way.
describe('createProducer with a send larger than the broker takes in one batch', () => {
  const { startProducer, admin } = producerFixture();

  it('delivers 3 MiB of records for one key, in their order', { timeout: 60_000 }, async () => {
    const topic = uniqueName('producer-large');
    await createTopics([{ name: topic, partitions: 1 }]);
    const producer = await startProducer();
    const records = Array.from({ length: 3000 }, (_, i) => ({ key: 'one-card', value: Buffer.alloc(1024, i % 256) }));
    const acks = await producer.send(topic, records);
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);
    expect(acks.length).toBeGreaterThan(1); // more than one request: each under the bound
    const [offsets] = await admin().fetchTopicOffsets(topic);
    expect(Number(offsets!.high)).toBe(3000);
    // In order: the base offsets of the requests rise with the records they carried.
    const bases = acks.map((a) => Number(a.baseOffset));
    expect([...bases].sort((a, b) => a - b)).toEqual(bases);
  });
});
