import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaAdmin } from '../src/admin.js';
import type { KafkaClient } from '../src/kafka-client.js';
import type { KafkaHeaders } from '../src/types.js';

/** One record as read back from a topic, for assertions. */
export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: KafkaHeaders;
}

/** A consumer collecting everything written to some topics, for tests to assert on. */
export interface TopicTap {
  /** Records of `topic` once at least `count` arrived. */
  read(topic: string, count: number, timeoutMs?: number): Promise<ReadRecord[]>;
  close(): Promise<void>;
}

/**
 * Subscribes a throwaway group to `topics` from the beginning and resolves once it was assigned
 * partitions. Joining a group takes seconds on the mock cluster, so tests start taps alongside
 * the consumers under test rather than reading afterwards.
 */
export async function tapTopics(kafka: KafkaClient, topics: readonly string[]): Promise<TopicTap> {
  const consumer = kafka.consumer({
    groupId: `tap-${topics[0] ?? 'none'}-${Date.now()}`,
    sessionTimeout: 6000,
    rebalanceTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
  });
  const records: ReadRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      records.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {} });
    },
  });
  await consumer.joined();
  let closed: Promise<void> | undefined;
  return {
    async read(topic, count, timeoutMs = 15_000) {
      const of = () => records.filter((r) => r.topic === topic);
      await waitUntil(
        () => of().length >= count,
        timeoutMs,
        () => `${count} record(s) on ${topic} (got ${of().length})`,
      );
      return of();
    },
    close() {
      closed ??= consumer.disconnect();
      return closed;
    },
  };
}

/** Sum of the partitions' high watermarks: how many records a fresh topic holds. */
export async function recordCount(admin: KafkaAdmin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** The group's committed offset and the high watermark of every partition of `topic`. */
export async function committedVsHigh(
  admin: KafkaAdmin,
  groupId: string,
  topic: string,
): Promise<{ committed: Record<number, string>; high: Record<number, string> }> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const high = await admin.fetchTopicOffsets(topic);
  return {
    committed: Object.fromEntries((committed?.partitions ?? []).map((p) => [p.partition, p.offset])),
    high: Object.fromEntries(high.map((p) => [p.partition, p.high])),
  };
}

/** Polls `condition` until it holds, failing with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

export { headerText } from '../src/header-text.js';
