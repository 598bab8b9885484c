import { Admin, ConfigResourceTypes, FetchIsolationLevels, findErrorBy, ListOffsetTimestamps } from '@platformatic/kafka';
import type { KafkaAdmin, TopicCreation } from '../admin.js';
import type { KafkaClientSettings } from '../kafka-client.js';
import { baseOptions } from './client.js';
import { withRetriable } from './errors.js';

const LEADER_WAIT_MS = 10_000;

/** Our admin over a @platformatic/kafka Admin: the calls the services, tools and dev stack make. */
export function platformaticAdmin(settings: KafkaClientSettings): KafkaAdmin {
  let admin: Admin | undefined;
  const current = () => (admin ??= new Admin(baseOptions(settings)));

  async function partitionsOf(topic: string): Promise<number[]> {
    const metadata = await current().metadata({ topics: [topic], forceUpdate: true });
    const t = metadata.topics.get(topic);
    return t ? t.partitions.map((_, i) => i) : [];
  }

  async function offsetsAt(topic: string, timestamp: bigint): Promise<Map<number, bigint>> {
    const partitions = await partitionsOf(topic);
    const listed = await current().listOffsets({
      topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
    return new Map(listed.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.offset] as const)));
  }

  async function createOne(t: TopicCreation): Promise<boolean> {
    try {
      await current().createTopics({
        topics: [t.topic],
        partitions: t.numPartitions ?? -1,
        replicas: t.replicationFactor ?? -1,
        ...(t.configEntries ? { configs: t.configEntries.map((c) => ({ name: c.name, value: c.value })) } : {}),
      });
      return true;
    } catch (err) {
      if (findErrorBy(err as Error, 'apiId', 'TOPIC_ALREADY_EXISTS')) return false;
      throw err;
    }
  }

  async function waitForLeaders(topics: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const metadata = await current()
        .metadata({ topics: [...topics], forceUpdate: true })
        .catch(() => undefined);
      const ready = metadata && topics.every((t) => metadata.topics.get(t)?.partitions.every((p) => p.leader >= 0));
      if (ready || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  return withRetriable(settings, {
    async connect() {
      await current().listApis();
    },
    async disconnect() {
      const closing = admin;
      admin = undefined;
      await closing?.close();
    },
    listTopics: () => current().listTopics(),
    async createTopics(opts) {
      let created = false;
      for (const t of opts.topics) if (await createOne(t)) created = true;
      if (opts.waitForLeaders ?? true)
        await waitForLeaders(
          opts.topics.map((t) => t.topic),
          opts.timeout ?? LEADER_WAIT_MS,
        );
      return created;
    },
    async fetchTopicMetadata(opts) {
      const metadata = await current().metadata({ topics: [...opts.topics], forceUpdate: true });
      return {
        topics: opts.topics.map((name) => ({
          name,
          partitions: (metadata.topics.get(name)?.partitions ?? []).map((p, partitionId) => ({
            partitionId,
            leader: p.leader,
            replicas: [...p.replicas],
            isr: [...p.isr],
          })),
        })),
      };
    },
    async fetchTopicOffsets(topic) {
      const high = await offsetsAt(topic, ListOffsetTimestamps.LATEST);
      const low = await offsetsAt(topic, ListOffsetTimestamps.EARLIEST);
      return [...high].map(([partition, h]) => ({
        partition,
        offset: String(h),
        high: String(h),
        low: String(low.get(partition) ?? 0n),
      }));
    },
    async fetchTopicOffsetsByTimestamp(topic, timestamp) {
      const at = await offsetsAt(topic, BigInt(timestamp));
      const high = await offsetsAt(topic, ListOffsetTimestamps.LATEST);
      // No record at or after the timestamp: the broker answers -1; kafkajs answers the high watermark.
      return [...at].map(([partition, o]) => ({ partition, offset: String(o < 0n ? (high.get(partition) ?? 0n) : o) }));
    },
    async fetchOffsets(opts) {
      const groups = await current().listConsumerGroupOffsets({
        groups: [
          {
            groupId: opts.groupId,
            topics: await Promise.all(opts.topics.map(async (name) => ({ name, partitionIndexes: await partitionsOf(name) }))),
          },
        ],
      });
      const byTopic = new Map((groups[0]?.topics ?? []).map((t) => [t.name, t.partitions] as const));
      return opts.topics.map((topic) => ({
        topic,
        partitions: (byTopic.get(topic) ?? []).map((p) => ({ partition: p.partitionIndex, offset: String(p.committedOffset) })),
      }));
    },
    async listGroups() {
      const groups = await current().listGroups();
      return { groups: [...groups.values()].map((g) => ({ groupId: g.id, protocolType: g.protocolType })) };
    },
    async describeCluster() {
      const metadata = await current().metadata({ topics: [], forceUpdate: true });
      return {
        brokers: [...metadata.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port })),
        controller: metadata.controllerId >= 0 ? metadata.controllerId : null,
        clusterId: metadata.id,
      };
    },
    async describeTopicConfigs(topics, configNames) {
      const described = await current().describeConfigs({
        includeSynonyms: false,
        resources: topics.map((resourceName) => ({
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName,
          ...(configNames ? { configurationKeys: [...configNames] } : {}),
        })),
      });
      return new Map(described.map((r) => [r.resourceName, Object.fromEntries(r.configs.map((c) => [c.name, c.value ?? null]))]));
    },
  });
}
