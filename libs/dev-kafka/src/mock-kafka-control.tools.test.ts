import { createServer } from 'node:net';
import { Kafka, type Producer, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devKafkaErrors } from './errors.js';
import { ALL_BROKERS, KafkaApiKey, KafkaErrorCode } from './kafka-protocol.js';
import { connectMockKafkaControl } from './mock-kafka-control.js';
import { type MockKafka, startMockKafka } from './start-mock-kafka.js';

const TOPIC = 'faults';

function codeOf(err: unknown): string | undefined {
  return devKafkaErrors.is(err) ? err.code : undefined;
}

/** Sum of the high watermarks: how many messages the topic holds. */
async function messageCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('MockKafkaControl', () => {
  let mock: MockKafka;
  let kafka: Kafka;

  beforeAll(async () => {
    mock = await startMockKafka({ brokers: 3, topics: [{ name: TOPIC, partitions: 3 }] });
    kafka = new Kafka({ clientId: 'test', brokers: mock.bootstrapServers, logLevel: logLevel.NOTHING });
  }, 30_000);

  afterAll(async () => {
    await mock?.stop();
  });

  async function withProducer<T>(config: Parameters<Kafka['producer']>[0], use: (p: Producer) => Promise<T>, client = kafka): Promise<T> {
    const producer = client.producer(config);
    await producer.connect();
    try {
      return await use(producer);
    } finally {
      await producer.disconnect();
    }
  }

  it('answers pipelined commands in order over one connection', async () => {
    await Promise.all([
      mock.control.ping(),
      mock.control.createTopic('pipelined', 2),
      mock.control.ping(),
      mock.control.setBrokerRtt(1, 0),
    ]);
  });

  it('serves several connections; close() is idempotent and later commands fail with TW_DEVKAFKA_CONTROL_CLOSED', async () => {
    const second = await connectMockKafkaControl(mock.controlPort);
    await Promise.all([second.ping(), mock.control.ping()]);
    const closing = second.close();
    expect(second.close()).toBe(closing);
    await closing;
    await expect(second.ping()).rejects.toMatchObject({ code: 'TW_DEVKAFKA_CONTROL_CLOSED', retriable: false });
    await mock.control.ping();
  });

  it('turns error replies into TW_DEVKAFKA_CONTROL_REJECTED and bad arguments into TW_DEVKAFKA_INVALID_OPTIONS', async () => {
    const unknownBroker: unknown = await mock.control.brokerDown(99).catch((e: unknown) => e);
    expect(codeOf(unknownBroker)).toBe('TW_DEVKAFKA_CONTROL_REJECTED');
    expect(devKafkaErrors.is(unknownBroker) && unknownBroker.details?.['reply']).toMatch(/^error /);
    await expect(mock.control.createTopic(TOPIC, 3)).rejects.toMatchObject({ code: 'TW_DEVKAFKA_CONTROL_REJECTED', retriable: false });
    await expect(mock.control.createTopic('has space', 3)).rejects.toMatchObject({ code: 'TW_DEVKAFKA_INVALID_OPTIONS' });
    await expect(mock.control.pushRequestErrors(KafkaApiKey.Produce, [])).rejects.toMatchObject({ code: 'TW_DEVKAFKA_INVALID_OPTIONS' });
    await expect(mock.control.setBrokerRtt(1, -5)).rejects.toMatchObject({ code: 'TW_DEVKAFKA_INVALID_OPTIONS' });
    // The connection is still usable after refusals.
    await mock.control.ping();
  });

  it('creates topics and moves partition leaders as kafkajs metadata shows', async () => {
    await mock.control.createTopic('created-later', 5);
    await mock.control.setPartitionLeader('created-later', 2, 3);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: ['created-later'] });
      expect(topics[0]?.partitions).toHaveLength(5);
      expect(topics[0]?.partitions.find((p) => p.partitionId === 2)?.leader).toBe(3);
    } finally {
      await admin.disconnect();
    }
  });

  it('pushed retriable Produce errors are retried by kafkajs and the message still arrives', async () => {
    const before = await messageCount(kafka, TOPIC);
    const produceRequests = await withProducer({}, async (producer) => {
      let count = 0;
      producer.on(producer.events.REQUEST, (event) => {
        if (event.payload.apiName === 'Produce') count++;
      });
      await mock.control.pushRequestErrors(KafkaApiKey.Produce, [
        KafkaErrorCode.NOT_LEADER_OR_FOLLOWER,
        KafkaErrorCode.NOT_ENOUGH_REPLICAS,
      ]);
      await producer.send({ topic: TOPIC, messages: [{ value: 'survives two errors', partition: 0 }] });
      return count;
    });
    expect(produceRequests).toBe(3);
    expect(await messageCount(kafka, TOPIC)).toBe(before + 1);
  }, 30_000);

  it('a pushed error surfaces when the producer may not retry, and clearRequestErrors drops queued ones', async () => {
    await withProducer({ retry: { retries: 0 } }, async (producer) => {
      await mock.control.pushRequestErrors(KafkaApiKey.Produce, [KafkaErrorCode.NOT_LEADER_OR_FOLLOWER]);
      const err: unknown = await producer.send({ topic: TOPIC, messages: [{ value: 'x', partition: 1 }] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'KafkaJSNumberOfRetriesExceeded', cause: { type: 'NOT_LEADER_FOR_PARTITION' } });

      await mock.control.pushRequestErrors(KafkaApiKey.Produce, [KafkaErrorCode.NOT_LEADER_OR_FOLLOWER]);
      await mock.control.clearRequestErrors(KafkaApiKey.Produce);
      await producer.send({ topic: TOPIC, messages: [{ value: 'y', partition: 1 }] });
    });
  }, 30_000);

  it('a topic error fails kafkajs metadata until it is reset', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await mock.control.setTopicError(TOPIC, KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED);
      await expect(admin.fetchTopicMetadata({ topics: [TOPIC] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
      await mock.control.setTopicError(TOPIC, KafkaErrorCode.NONE);
      expect((await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics[0]?.partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
  }, 30_000);

  it('all brokers down makes a send fail; brokers up lets it succeed again', async () => {
    const impatient = new Kafka({
      clientId: 'test',
      brokers: mock.bootstrapServers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 500,
      requestTimeout: 1000,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 200 },
    });
    await withProducer(
      { retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 200 } },
      async (producer) => {
        await producer.send({ topic: TOPIC, messages: [{ value: 'before', partition: 2 }] });
        await mock.control.brokerDown(ALL_BROKERS);
        try {
          await expect(producer.send({ topic: TOPIC, messages: [{ value: 'during', partition: 2 }] })).rejects.toThrow();
        } finally {
          await mock.control.brokerUp(ALL_BROKERS);
        }
        await producer.send({ topic: TOPIC, messages: [{ value: 'after', partition: 2 }] });
      },
      impatient,
    );
  }, 30_000);

  it('a broker round-trip delay slows every response', async () => {
    await withProducer({}, async (producer) => {
      await producer.send({ topic: TOPIC, messages: [{ value: 'warm-up', partition: 0 }] });
      await mock.control.setBrokerRtt(ALL_BROKERS, 300);
      const started = Date.now();
      try {
        await producer.send({ topic: TOPIC, messages: [{ value: 'slow', partition: 0 }] });
      } finally {
        await mock.control.setBrokerRtt(ALL_BROKERS, 0);
      }
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });
  }, 30_000);
});

describe('MockKafkaControl connection failures', () => {
  it('fails to connect to a closed port with TW_DEVKAFKA_CONTROL_UNAVAILABLE', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise((resolve) => server.close(resolve));
    const err: unknown = await connectMockKafkaControl(port).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('TW_DEVKAFKA_CONTROL_UNAVAILABLE');
    expect(devKafkaErrors.is(err) && err.retriable).toBe(true);
  });

  it('rejects commands once the cluster is gone', async () => {
    const mock = await startMockKafka({ brokers: 1, topics: [] });
    const other = await connectMockKafkaControl(mock.controlPort);
    try {
      await mock.control.shutdown();
      await expect(mock.control.ping()).rejects.toMatchObject({ code: 'TW_DEVKAFKA_CONTROL_CLOSED' });
      await expect(other.ping()).rejects.toMatchObject({ code: 'TW_DEVKAFKA_CONTROL_UNAVAILABLE', retriable: true });
    } finally {
      await other.close();
      await mock.stop();
    }
  }, 30_000);
});
