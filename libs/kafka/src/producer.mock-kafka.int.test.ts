import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopics, mockKafkaControl, uniqueName } from '@tidewater/test-support';
import { clientSettings, producerFixture } from '../test/producer-fixture.js';
import { recordCount } from '../test/topic-tap.js';
import { createKafkaClient } from './kafka-client.js';

// Needs the mock cluster: it takes every broker down and up again through the control port.
const BROKER_IDS = [1, 2, 3];

/** Settles with the outcome of `promise`, or 'pending' if it has not settled after `ms`. */
async function outcomeWithin(promise: Promise<unknown>, ms: number): Promise<'resolved' | 'rejected' | 'pending'> {
  const timer = sleep(ms).then(() => 'pending' as const);
  return Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    timer,
  ]);
}

describe('createProducer while every broker is down (mock Kafka: broker down/up)', () => {
  const { startProducer, tap, admin } = producerFixture();

  it('keeps sends pending while every broker is down and delivers each once, after they come back', async () => {
    const topic = uniqueName('producer-fault');
    await createTopics([{ name: topic, partitions: 1 }]);
    const producer = await startProducer();
    // kafkajs's cluster-level reconnect retries run out after ~50 s with production defaults; a client whose
    // retries run out within the outage shows what a longer outage does to the service's producer.
    const impatient = await startProducer(
      createKafkaClient({ ...clientSettings(), retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 300 } }),
    );
    // A first record while the cluster is healthy: metadata and producer ids are in place before the outage.
    await producer.send(topic, [{ key: 'before', value: Buffer.from('before the outage') }]);
    await impatient.send(topic, [{ key: 'before', value: Buffer.from('impatient before the outage') }]);
    const control = await mockKafkaControl();
    const sends: Promise<unknown>[] = [];
    try {
      for (const id of BROKER_IDS) await control.brokerDown(id);
      sends.push(producer.send(topic, [{ key: 'during', value: Buffer.from('sent during the outage') }]));
      sends.push(impatient.send(topic, [{ key: 'during', value: Buffer.from('impatient during the outage') }]));
      for (const s of sends) s.catch(() => undefined); // asserted below; no unhandled rejection meanwhile
      await sleep(3000);
      expect(await Promise.all(sends.map((s) => outcomeWithin(s, 0)))).toEqual(['pending', 'pending']);
    } finally {
      for (const id of BROKER_IDS) await control.brokerUp(id);
      await control.close();
    }
    expect(await Promise.all(sends.map((s) => outcomeWithin(s, 30_000)))).toEqual(['resolved', 'resolved']);

    // Idempotent producers: each record written once despite the retries.
    expect(await recordCount(admin(), topic)).toBe(4);
    const out = await tap([topic]);
    const values = (await out.read(topic, 4)).map((r) => r.value?.toString()).sort();
    expect(values).toEqual(['before the outage', 'impatient before the outage', 'impatient during the outage', 'sent during the outage']);
  }, 50_000);
});
