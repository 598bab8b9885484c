import type { KafkajsCopy } from './kafkajs-copy.js';
import type { PatchCase } from './kafkajs-patch-case.js';

const SEND_MESSAGES = 'src/producer/sendMessages.js';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

type TopicData = { topic: string; partitions: { partition: number; firstSequence?: number; messages: { value: string }[] }[] }[];

interface Scenario {
  /** Which broker leads which partition of each topic (three brokers, 1-3). */
  readonly leaders: Record<number, number>;
  /** A broker whose next request fails with a connection error (it died mid-request). */
  readonly failOnce?: number;
  /** What the metadata refresh after that failure reports: partition => new leader. */
  readonly moveOnRefresh?: Record<number, number>;
  readonly acks: number;
  readonly topicMessages: { topic: string; messages: { key: string; value: string; partition?: number }[] }[];
}

/**
 * Drives one copy's sendMessages (with its own retrier and leader lookup) against three fake
 * brokers, and returns what each broker wrote and what send() resolved with, in a stable order.
 * A metadata refresh waits for the requests in flight, as on a producer connection.
 */
async function runSend(k: KafkajsCopy, s: Scenario): Promise<string> {
  const leaders = { ...s.leaders };
  const partitions = Object.keys(leaders).map(Number);
  const writes: string[] = [];
  const offsets = new Map<string, number>();
  const inFlight = new Set<Promise<unknown>>();
  let failing = s.failOnce;
  const broker = (nodeId: number) => ({
    nodeId,
    produce({ topicData }: { topicData: TopicData }) {
      const request = (async () => {
        if (failing === nodeId) {
          failing = undefined;
          throw new k.KafkaJSConnectionError('Connection error: read ECONNRESET');
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
        return {
          throttleTime: 0,
          topics: topicData.map(({ topic, partitions: ps }) => ({
            topicName: topic,
            partitions: ps.map(({ partition, firstSequence, messages }) => {
              const base = offsets.get(`${topic}/${partition}`) ?? 0;
              offsets.set(`${topic}/${partition}`, base + messages.length);
              writes.push(`${nodeId} ${topic}/${partition} seq=${firstSequence} ${messages.map((m) => m.value).join(',')}`);
              return { partition, errorCode: 0, baseOffset: String(base), logAppendTime: '-1', logStartOffset: '0' };
            }),
          })),
        };
      })();
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request)).catch(() => undefined);
      return request;
    },
  });
  const brokers = new Map([1, 2, 3].map((id) => [id, broker(id)]));
  const cluster = {
    targetTopics: new Set(s.topicMessages.map((t) => t.topic)),
    async addMultipleTargetTopics() {},
    async refreshMetadataIfNecessary() {},
    async refreshMetadata() {
      await Promise.allSettled([...inFlight]);
      Object.assign(leaders, s.moveOnRefresh ?? {});
    },
    isConnected: () => true,
    async connect() {},
    removeBroker() {},
    findTopicPartitionMetadata: () => partitions.map((p) => ({ partitionId: p, leader: leaders[p]! })),
    findLeaderForPartitions(topic: string, ps: string[]): unknown {
      return k.Cluster.prototype.findLeaderForPartitions.call(cluster, topic, ps);
    },
    async findBroker({ nodeId }: { nodeId: string }) {
      return brokers.get(Number(nodeId));
    },
  };
  const sequences = new Map<string, number>();
  const eosManager = {
    isTransactional: () => false,
    getTransactionalId: () => undefined,
    getProducerId: () => 4000,
    getProducerEpoch: () => 0,
    async addPartitionsToTransaction() {},
    getSequence: (topic: string, partition: number) => sequences.get(`${topic}/${partition}`) ?? 0,
    updateSequence(topic: string, partition: number, increment: number) {
      sequences.set(`${topic}/${partition}`, (sequences.get(`${topic}/${partition}`) ?? 0) + increment);
    },
    async acquireBrokerLock() {},
    releaseBrokerLock() {},
  };
  const send = k.createSendMessages({
    logger: silent,
    cluster,
    partitioner: k.DefaultPartitioner(),
    eosManager,
    retrier: k.createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }),
  });
  let result: string;
  try {
    const acks = (await send({ acks: s.acks, timeout: 1000, topicMessages: s.topicMessages })) as {
      topicName: string;
      partition: number;
    }[];
    result = `resolved ${acks
      .map((a) => `${a.topicName}/${a.partition}`)
      .sort()
      .join(' ')}`;
  } catch (err) {
    result = `rejected ${(err as Error).name}`;
  }
  return [...writes.sort(), result].join('\n');
}

const keyed = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` }));

export const sendCases: PatchCase[] = [
  {
    id: 'sendMessages.healthy',
    files: [SEND_MESSAGES],
    inputs: 'keyed and explicit-partition sends to 2 topics over 3 fake brokers, acks -1 and 1, nothing failing',
    sameAsUpstream: true,
    run: async (k) => {
      const topicMessages = [
        { topic: 'a', messages: keyed('a', 40) },
        { topic: 'b', messages: [...keyed('b', 25), { key: 'x', value: 'explicit', partition: 2 }] },
      ];
      const out: string[] = [];
      for (const acks of [-1, 1]) out.push(await runSend(k, { leaders: { 0: 3, 1: 1, 2: 2 }, acks, topicMessages }));
      out.push(await runSend(k, { leaders: { 0: 1, 1: 1, 2: 1 }, acks: -1, topicMessages }));
      return out.join('\n\n');
    },
  },
  {
    id: 'sendMessages.leader-moved',
    files: [SEND_MESSAGES],
    inputs: "partition 0's leader fails mid-send and leadership moves to a broker that acknowledged its own partition",
    // Upstream resolves without partition 0 (its records never written); the patch resends them to the new leader.
    sameAsUpstream: false,
    run: (k) =>
      runSend(k, {
        leaders: { 0: 3, 1: 1, 2: 2 },
        failOnce: 3,
        moveOnRefresh: { 0: 1 },
        acks: -1,
        topicMessages: [{ topic: 't', messages: keyed('v', 30) }],
      }),
  },
];
