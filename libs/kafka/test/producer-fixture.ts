import type { KafkaAdmin } from '../src/admin.js';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { stackEndpoints, uniqueName } from '@tidewater/test-support';
import { createKafkaClient, type KafkaClient } from '../src/kafka-client.js';
import { createProducer, type TidewaterProducer } from '../src/producer.js';
import { tapTopics, type TopicTap } from './topic-tap.js';

export const silentLogger = pino({ level: 'silent' });

/** Client settings for the test stack's KafkaClient, with a fresh client id. */
export function clientSettings() {
  return { brokers: stackEndpoints().brokers, clientId: uniqueName('kafka-producer-int'), logger: silentLogger };
}

/**
 * Registers the hooks of a producer test suite (call inside `describe`): one client and admin for
 * the suite, and producers and taps that are closed after each test.
 */
export function producerFixture() {
  let kafka: KafkaClient | undefined;
  let admin: KafkaAdmin | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    kafka = createKafkaClient(clientSettings());
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  afterAll(async () => {
    await admin?.disconnect();
  });

  const client = (): KafkaClient => {
    if (!kafka) throw new Error('producerFixture: used outside a test');
    return kafka;
  };
  return {
    kafka: client,
    admin: (): KafkaAdmin => {
      if (!admin) throw new Error('producerFixture: used outside a test');
      return admin;
    },
    async startProducer(on: KafkaClient = client()): Promise<TidewaterProducer> {
      const producer = createProducer({ kafka: on, logger: silentLogger });
      cleanups.push(() => producer.close());
      await producer.start();
      return producer;
    },
    async tap(topics: readonly string[]): Promise<TopicTap> {
      const t = await tapTopics(client(), topics);
      cleanups.push(() => t.close());
      return t;
    },
  };
}
