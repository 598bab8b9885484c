import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { devKafkaErrors } from '../errors.js';
import { processAlive, startApacheKafka, type ApacheKafka } from './start-apache-kafka.js';

// Each test starts a cluster of its own (not the shared test stack), so it can break it.
describe('startApacheKafka', () => {
  const started: ApacheKafka[] = [];
  afterAll(async () => {
    await Promise.all(started.map((k) => k.stop(0)));
  });

  it(
    'runs a three-node KRaft cluster that elects new leaders when a node is SIGKILLed, and stops every node',
    { timeout: 180_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tw-apache-3-'));
      const kafka = await startApacheKafka({ dir, brokers: 3, topics: [{ name: 'replicated', partitions: 3 }] });
      started.push(kafka);
      expect(kafka.bootstrapServers).toHaveLength(3);
      const client = new Kafka({ brokers: kafka.bootstrapServers, clientId: 'apache-int', logLevel: logLevel.NOTHING });
      const admin = client.admin();
      await admin.connect();
      const [meta] = (await admin.fetchTopicMetadata({ topics: ['replicated'] })).topics;
      expect(meta!.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
      await admin.disconnect();

      const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const batch = (tag: string) => Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` }));
      await producer.send({ topic: 'replicated', acks: -1, messages: batch('before') });
      const consumer = client.consumer({ groupId: 'apache-int', sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'replicated', fromBeginning: true });
      const seen = new Set<string>();
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.add(message.value!.toString());
            if (seen.size === 30) resolve();
          },
        });
      });
      await consumer.disconnect();
      expect(seen.size).toBe(30);

      await producer.disconnect();
      // A node dies without a controlled shutdown: the other two keep the quorum, the controller
      // fences it, and its partitions get new leaders from the in-sync replicas.
      process.kill(kafka.nodes[2]!.pid, 'SIGKILL');
      await admin.connect();
      await expect.poll(async () => (await admin.describeCluster()).brokers.length, { timeout: 30_000, interval: 500 }).toBe(2);
      const leaders = async () =>
        (await admin.fetchTopicMetadata({ topics: ['replicated'] })).topics[0]!.partitions.map((p) => p.leader).filter(
          (l) => l === 1 || l === 2,
        ).length;
      await expect.poll(leaders, { timeout: 30_000, interval: 500 }).toBe(3);
      await admin.disconnect();

      await kafka.stop();
      expect(kafka.nodes.map((n) => processAlive(n.pid))).toEqual([false, false, false]);
    },
  );

  it('fails with the log file named when a node cannot start', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-apache-bad-'));
    // A 1 MB heap is too small for the JVM to start at all: the node exits at once.
    const failure = await startApacheKafka({ dir, brokers: 1, topics: [], heapMb: 1 }).catch((err: unknown) => err);
    expect(devKafkaErrors.is(failure, 'TW_DEVKAFKA_START_FAILED')).toBe(true);
    const message = (failure as Error).message;
    const logFile = /\(log: ([^)]+)\)/.exec(message)?.[1];
    expect(logFile).toBe(join(dir, 'node-1', 'kafka-1.log'));
    expect(readFileSync(logFile!, 'utf8')).toMatch(/heap/i);
  });
});
