import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * patches/kafkajs+2.2.4.patch rewrites the retry bookkeeping of kafkajs's
 * `src/producer/sendMessages.js`. Upstream 2.2.4 kept the responses of a failed attempt per
 * broker and, on the retry, produced only to brokers without one: when a partition's leader died
 * and leadership moved to a broker that had already acknowledged its own partitions, the send
 * resolved without that partition (8 of 60 records lost on a 3-node cluster; the broker-level
 * reproduction is producer-broker-loss.int.test.ts). These tests drive kafkajs's own sendMessages
 * and retrier against a fake cluster of three brokers, so each case runs in milliseconds.
 */
const require = createRequire(import.meta.url);

type Message = { key?: string | null; value: string };
type TopicData = { topic: string; partitions: { partition: number; firstSequence?: number; messages: Message[] }[] }[];
type ProduceArgs = { acks: number; topicData: TopicData };
type Ack = { topicName: string; partition: number; errorCode: number; baseOffset: string };
type SendMessages = (args: { acks: number; topicMessages: { topic: string; messages: Message[] }[] }) => Promise<Ack[]>;
type PartitionMetadata = { partitionId: number; leader: number };

const createSendMessages = require('kafkajs/src/producer/sendMessages') as (deps: unknown) => SendMessages;
const createRetry = require('kafkajs/src/retry') as (opts: unknown) => unknown;
const createDefaultPartitioner = require('kafkajs/src/producer/partitioners/default') as () => unknown;
const Cluster = require('kafkajs/src/cluster') as { prototype: { findLeaderForPartitions(topic: string, partitions: string[]): unknown } };
const { KafkaJSConnectionError } = require('kafkajs/src/errors') as { KafkaJSConnectionError: new (message: string) => Error };

const TOPIC = 'replicated';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** One record batch as a fake broker appended it. */
interface Write {
  readonly nodeId: number;
  readonly partition: number;
  readonly firstSequence: number | undefined;
  readonly values: readonly string[];
}

interface FakeBroker {
  readonly nodeId: number;
  produce(args: ProduceArgs): Promise<unknown>;
}

/**
 * Three brokers leading partitions 0, 1 and 2 as `leaders` says. `failOnce(nodeId, partition?)`
 * makes that broker's next request fail with a connection error (the broker died mid-request);
 * `moveLeaderOnRefresh` is what the next metadata refresh reports (the controller's election).
 * By default a metadata refresh is queued behind the produce requests in flight, as on the real
 * producer connection (one request in flight), so it returns once they answered.
 */
function fakeCluster(opts: { partitions?: number; leaders?: Record<number, number>; refreshWaitsForRequests?: boolean } = {}) {
  const partitions = opts.partitions ?? 3;
  const leaders: Record<number, number> = opts.leaders ?? { 0: 3, 1: 1, 2: 2 };
  const metadata = (): PartitionMetadata[] => Array.from({ length: partitions }, (_, p) => ({ partitionId: p, leader: leaders[p]! }));
  let visible = metadata();
  let onRefresh: Record<number, number> = {};
  const failing = new Set<number>();
  const omitting = new Map<number, number>();
  const inFlight = new Set<Promise<unknown>>();
  const writes: Write[] = [];
  let produceRequests = 0;
  const offsets = new Map<number, number>();

  const brokers = new Map<number, FakeBroker>();
  for (const nodeId of [1, 2, 3]) {
    brokers.set(nodeId, {
      nodeId,
      produce({ topicData }) {
        produceRequests++;
        const request = (async () => {
          if (failing.delete(nodeId)) {
            await Promise.resolve();
            throw new KafkaJSConnectionError('Connection error: read ECONNRESET');
          }
          // Healthy brokers answer after the dead one failed (acks=-1 waits for the replicas): a failing
          // request rejects within microtasks, and setImmediate runs only once they have all run.
          await new Promise((resolve) => setImmediate(resolve));
          const omit = omitting.get(nodeId);
          omitting.delete(nodeId);
          return {
            topics: topicData.map(({ topic, partitions: ps }) => ({
              topicName: topic,
              partitions: ps
                .filter(({ partition }) => partition !== omit)
                .map(({ partition, firstSequence, messages }) => {
                  const baseOffset = offsets.get(partition) ?? 0;
                  offsets.set(partition, baseOffset + messages.length);
                  writes.push({ nodeId, partition, firstSequence, values: messages.map((m) => m.value) });
                  return { partition, errorCode: 0, baseOffset: String(baseOffset), logAppendTime: '-1', logStartOffset: '0' };
                }),
            })),
            throttleTime: 0,
          };
        })();
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request)).catch(() => undefined);
        return request;
      },
    });
  }

  const cluster = {
    targetTopics: new Set([TOPIC]),
    async addMultipleTargetTopics() {},
    async refreshMetadataIfNecessary() {},
    async refreshMetadata() {
      if (opts.refreshWaitsForRequests ?? true) await Promise.allSettled([...inFlight]);
      Object.assign(leaders, onRefresh);
      onRefresh = {};
      visible = metadata();
    },
    isConnected: () => true,
    async connect() {},
    removeBroker() {},
    findTopicPartitionMetadata: () => visible,
    findLeaderForPartitions(topic: string, ps: string[]) {
      // kafkajs's own lookup, over this fake's metadata.
      return Cluster.prototype.findLeaderForPartitions.call(cluster, topic, ps);
    },
    async findBroker({ nodeId }: { nodeId: string }) {
      const broker = brokers.get(Number(nodeId));
      if (!broker) throw new Error(`no broker ${nodeId}`);
      return broker;
    },
  };

  return {
    cluster,
    writes,
    produceRequests: () => produceRequests,
    failOnce: (nodeId: number) => failing.add(nodeId),
    omitOnce: (nodeId: number, partition: number) => omitting.set(nodeId, partition),
    moveLeaderOnRefresh: (partition: number, nodeId: number) => {
      onRefresh[partition] = nodeId;
    },
    /** Hides partitions from the metadata the producer sees (as for a topic being recreated). */
    hidePartitions(ps: number[]) {
      visible = metadata().filter((m) => !ps.includes(m.partitionId));
    },
  };
}

/** Sequence numbers per partition, as kafkajs's EOS manager keeps them for an idempotent producer. */
function fakeEosManager() {
  const sequences = new Map<string, number>();
  const locks = new Map<number, Promise<void>>();
  const releases = new Map<number, () => void>();
  return {
    sequences,
    isTransactional: () => false,
    getTransactionalId: () => undefined,
    getProducerId: () => 4000,
    getProducerEpoch: () => 0,
    async addPartitionsToTransaction() {},
    getSequence: (topic: string, partition: number) => sequences.get(`${topic}/${partition}`) ?? 0,
    updateSequence(topic: string, partition: number, increment: number) {
      sequences.set(`${topic}/${partition}`, (sequences.get(`${topic}/${partition}`) ?? 0) + increment);
    },
    // One request per broker at a time, as the real manager does for an idempotent producer.
    async acquireBrokerLock({ nodeId }: { nodeId: number }) {
      while (locks.has(nodeId)) await locks.get(nodeId);
      locks.set(nodeId, new Promise<void>((resolve) => releases.set(nodeId, resolve)));
    },
    releaseBrokerLock({ nodeId }: { nodeId: number }) {
      locks.delete(nodeId);
      releases.get(nodeId)?.();
    },
  };
}

function sender(fake: ReturnType<typeof fakeCluster>, eosManager = fakeEosManager(), retries = 5) {
  return createSendMessages({
    logger: silent,
    cluster: fake.cluster,
    partitioner: createDefaultPartitioner(),
    eosManager,
    retrier: createRetry({ retries, initialRetryTime: 1, maxRetryTime: 5 }),
  });
}

/** The partitions a send's result acknowledged, in ascending order. */
const ackedPartitions = (acks: readonly Ack[]) => acks.map((a) => a.partition).sort((a, b) => a - b);

const keyed = (tag: string) => Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` }));

/** Every value written, with how many times; a value written twice shows as 2. */
function writtenCounts(writes: readonly Write[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of writes) for (const v of w.values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

describe('kafkajs sendMessages retry bookkeeping (patched)', () => {
  it('resends the partition of a leader that died to its new leader, although that broker already acknowledged its own partitions', async () => {
    const fake = fakeCluster();
    const eos = fakeEosManager();
    const send = sender(fake, eos);
    await send({ acks: -1, topicMessages: [{ topic: TOPIC, messages: keyed('before') }] });
    const firstSequenceOfP0 = eos.getSequence(TOPIC, 0);

    // Node 3 (leader of partition 0) is SIGKILLed: its request fails; the refreshed metadata
    // names node 1, which acknowledged partition 1 in the same attempt.
    fake.failOnce(3);
    fake.moveLeaderOnRefresh(0, 1);
    const acks = await send({ acks: -1, topicMessages: [{ topic: TOPIC, messages: keyed('after') }] });

    expect(acks.every((a) => a.errorCode === 0)).toBe(true);
    const counts = writtenCounts(fake.writes);
    expect(counts.size).toBe(60);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // The resent batch keeps its sequence numbers, so a broker that did write it deduplicates it.
    const resent = fake.writes.filter((w) => w.partition === 0 && w.values[0]!.startsWith('after'));
    expect(resent).toEqual([expect.objectContaining({ nodeId: 1, firstSequence: firstSequenceOfP0 })]);
    expect(ackedPartitions(acks)).toEqual([0, 1, 2]);
  });

  it('resends a keyless batch to the partition it was first assigned, so no record is written twice or not at all', async () => {
    const fake = fakeCluster();
    const send = sender(fake);
    // 31, not a multiple of 3: a regrouping on the retry would give each partition other records.
    const keyless = Array.from({ length: 31 }, (_, i) => ({ key: null, value: `keyless-${i}` }));

    fake.failOnce(2);
    const acks = await send({ acks: -1, topicMessages: [{ topic: TOPIC, messages: keyless }] });

    const counts = writtenCounts(fake.writes);
    expect(counts.size).toBe(31);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(ackedPartitions(acks)).toEqual([0, 1, 2]);
  });

  it('lets every request of a failed attempt settle before retrying, so a batch still in flight is not sent again', async () => {
    // The metadata refresh answers at once, while the healthy brokers' requests are in flight.
    const fake = fakeCluster({ refreshWaitsForRequests: false });
    const send = sender(fake);

    fake.failOnce(3);
    fake.moveLeaderOnRefresh(0, 2);
    const acks = await send({ acks: -1, topicMessages: [{ topic: TOPIC, messages: keyed('v') }] });

    const counts = writtenCounts(fake.writes);
    expect(counts.size).toBe(30);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(ackedPartitions(acks)).toEqual([0, 1, 2]);
  });

  it('retries a partition that a produce response left out, instead of resolving without it', async () => {
    const fake = fakeCluster({ leaders: { 0: 1, 1: 1, 2: 2 } });
    const send = sender(fake);

    fake.omitOnce(1, 0);
    const acks = await send({ acks: -1, topicMessages: [{ topic: TOPIC, messages: keyed('v') }] });

    expect(writtenCounts(fake.writes).size).toBe(30);
    expect(ackedPartitions(acks)).toEqual([0, 1, 2]);
  });

  it('rejects, after its retries, a send whose partition is missing from the metadata, instead of resolving without it', async () => {
    const fake = fakeCluster();
    const send = sender(fake, fakeEosManager(), 2);
    await send({ acks: -1, topicMessages: [{ topic: TOPIC, messages: keyed('before') }] });

    // Grouped once with three partitions; partition 0 then disappears from the metadata.
    fake.failOnce(3);
    const refresh = fake.cluster.refreshMetadata.bind(fake.cluster);
    fake.cluster.refreshMetadata = async () => {
      await refresh();
      fake.hidePartitions([0]);
    };
    await expect(send({ acks: -1, topicMessages: [{ topic: TOPIC, messages: keyed('after') }] })).rejects.toMatchObject({
      name: 'KafkaJSNumberOfRetriesExceeded',
    });
    expect(fake.writes.some((w) => w.partition === 0 && w.values[0]!.startsWith('after'))).toBe(false);
  });
});
