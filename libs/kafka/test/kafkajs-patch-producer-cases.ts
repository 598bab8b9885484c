import { lcg } from './kafkajs-patch-support.js';
import type { KafkajsCopy, Message, PartitionMetadata } from './kafkajs-copy.js';
import { bytes, type PatchCase } from './kafkajs-patch-case.js';

/**
 * Runs `fn` with `crypto.getRandomValues` seeded: kafkajs's partitioners start their round-robin
 * counter for keyless messages from it (src/producer/partitioners/legacy/randomBytes.js).
 */
function withSeededRandom<T>(seed: number, fn: () => T): T {
  const crypto = globalThis.crypto;
  const own = Object.getOwnPropertyDescriptor(crypto, 'getRandomValues');
  const rand = lcg(seed);
  let draws = 0;
  Object.defineProperty(crypto, 'getRandomValues', {
    configurable: true,
    writable: true,
    value: <V extends ArrayBufferView>(view: V): V => {
      draws++;
      const b = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
      return view;
    },
  });
  try {
    const result = fn();
    if (draws === 0)
      throw new Error('kafkajs drew no random bytes through crypto.getRandomValues: keyless choices would not be reproducible');
    return result;
  } finally {
    if (own) Object.defineProperty(crypto, 'getRandomValues', own);
    else Reflect.deleteProperty(crypto, 'getRandomValues');
  }
}

const P = (...leaders: number[]): PartitionMetadata[] => leaders.map((leader, partitionId) => ({ partitionId, leader }));

/** Partition layouts: all led, some leaderless (keyless messages skip those), none led. */
const layouts = [P(1, 1, 1, 1, 1, 1), P(1, -1, 2, -1, 3, 1), P(-1, -1, -1), P(1), P(...Array.from({ length: 100 }, (_, i) => i % 3))];

/** Keyed (Buffer and string), explicit partitions (0 included) and keyless (null and absent key). */
function partitionerMessages(seed: number, n: number): Message[] {
  const rand = lcg(seed);
  return Array.from({ length: n }, (_, i): Message => {
    switch (i % 8) {
      case 0:
        return { key: null, value: `keyless-${i}` };
      case 1:
        return { value: `no-key-${i}` };
      case 2:
        return { key: 'x', value: `explicit-${i}`, partition: i % 3 };
      case 3:
        return { key: `string-key-${Math.floor(rand() * 1e6)}-ünï`, value: `keyed-${i}` };
      default:
        return { key: bytes(rand, Math.floor(rand() * 40)), value: `keyed-${i}` };
    }
  });
}

async function controllerOutcomes(kafkajs: KafkajsCopy, scenarios: readonly { controllerId: number; brokers: number[] | null }[]) {
  const out: string[] = [];
  for (const s of scenarios) {
    const cluster = new kafkajs.Cluster({
      logger: kafkajs.createLogger({ level: 0, logCreator: () => () => undefined }),
      brokers: ['127.0.0.1:9'],
      clientId: 'digests',
    });
    cluster.brokerPool.metadata = {
      controllerId: s.controllerId,
      brokers: s.brokers?.map((nodeId) => ({ nodeId, host: '127.0.0.1', port: 9 })),
    };
    // The broker pool's own lookup, without connecting: a listed id is found, any other is not.
    cluster.findBroker = async ({ nodeId }) => {
      if (s.brokers?.includes(nodeId)) return { nodeId };
      throw new kafkajs.KafkaJSBrokerNotFound(`Broker ${nodeId} not found in the cached metadata`);
    };
    try {
      out.push(`controller ${s.controllerId} of [${s.brokers}]: broker ${(await cluster.findControllerBroker()).nodeId}`);
    } catch (err) {
      out.push(`controller ${s.controllerId} of [${s.brokers}]: ${(err as Error).name}: ${(err as Error).message}`);
    }
  }
  return out.join('\n');
}

const CLUSTER = 'src/cluster/index.js';
const MURMUR2 = 'src/producer/partitioners/default/murmur2.js';
const PARTITIONER = 'src/producer/partitioners/legacy/partitioner.js';
const GROUP = 'src/producer/groupMessagesPerPartition.js';

export const producerCases: PatchCase[] = [
  {
    id: 'cluster.controller-listed',
    files: [CLUSTER],
    inputs: 'metadata whose controller id is a listed broker (as Apache Kafka reports), none, or no metadata',
    sameAsUpstream: true,
    run: (k) =>
      controllerOutcomes(k, [
        { controllerId: 1, brokers: [1] },
        { controllerId: 3, brokers: [1, 2, 3] },
        { controllerId: 2, brokers: [3, 2, 1] },
        { controllerId: 0, brokers: [0, 1] },
        { controllerId: 4, brokers: [] },
        { controllerId: 4, brokers: null },
      ]),
  },
  {
    id: 'cluster.controller-unlisted',
    files: [CLUSTER],
    inputs: "metadata whose controller id is no listed broker (librdkafka's mock cluster reports 0)",
    // Upstream fails with KafkaJSBrokerNotFound; the patch takes the first listed broker.
    sameAsUpstream: false,
    run: (k) =>
      controllerOutcomes(k, [
        { controllerId: 0, brokers: [1, 2, 3] },
        { controllerId: 7, brokers: [2] },
      ]),
  },
  {
    id: 'murmur2.keys',
    files: [MURMUR2],
    inputs: '10,000 Buffer keys of 0-200 bytes, 2,000 string keys (some non-ASCII), numbers as keys',
    sameAsUpstream: true,
    run: async (k) => {
      const rand = lcg(11);
      const hashes: number[] = [];
      for (let i = 0; i < 10_000; i++) hashes.push(k.murmur2(bytes(rand, i < 1000 ? i % 200 : Math.floor(rand() * 200))));
      for (let i = 0; i < 2000; i++) hashes.push(k.murmur2(`key-${i}-${'ü✓'.repeat(i % 5)}-${Math.floor(rand() * 1e9)}`));
      for (const n of [0, 1, -1, 42, 2 ** 31, 1.5]) hashes.push(k.murmur2(n as unknown as string));
      return hashes.join(',');
    },
  },
  ...(['DefaultPartitioner', 'LegacyPartitioner'] as const).map((which, w): PatchCase => ({
    id: `partitioner.${which === 'DefaultPartitioner' ? 'default' : 'legacy'}`,
    files: which === 'DefaultPartitioner' ? [PARTITIONER, MURMUR2] : [PARTITIONER],
    inputs: `${which}: 4,000 keyed, explicit and keyless messages over 5 partition layouts (random start seeded)`,
    sameAsUpstream: true,
    run: async (k) =>
      withSeededRandom(100 + w, () =>
        layouts
          .map((partitionMetadata, l) => {
            const partitioner = k[which]();
            return partitionerMessages(20 + l, 4000)
              .map((message) => partitioner({ topic: 't', partitionMetadata, message }))
              .join(',');
          })
          .join('\n'),
      ),
  })),
  {
    id: 'groupMessagesPerPartition',
    files: [GROUP, PARTITIONER, MURMUR2],
    inputs: '5,000 messages per layout through the default partitioner (random start seeded); no partitions; no messages',
    sameAsUpstream: true,
    run: async (k) =>
      withSeededRandom(7, () => {
        const out: string[] = [];
        for (const [l, partitionMetadata] of [...layouts, []].entries()) {
          for (const messages of [partitionerMessages(40 + l, 5000), []]) {
            const grouped = k.groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner: k.DefaultPartitioner() });
            // Which message (by identity, not a copy) landed where, in order.
            out.push(JSON.stringify(Object.entries(grouped).map(([p, list]) => [p, list.map((m) => messages.indexOf(m))])));
          }
        }
        return out.join('\n');
      }),
  },
];
