import kafkajs, { type Admin } from 'kafkajs';
import type { KafkaAdmin } from '../admin.js';

// kafkajs is CommonJS and Node's ESM loader does not see this export by name.
const { ConfigResourceTypes } = kafkajs;

/** Our admin over a kafkajs admin client: the same calls, copied arguments, our result types. */
export function kafkajsAdmin(admin: Admin, connecting: (connect: () => Promise<void>) => Promise<void> = (c) => c()): KafkaAdmin {
  return {
    connect: () => connecting(() => admin.connect()),
    disconnect: () => admin.disconnect(),
    listTopics: () => admin.listTopics(),
    createTopics: (opts) =>
      admin.createTopics({
        topics: opts.topics.map(({ configEntries, ...t }) => ({ ...t, ...(configEntries ? { configEntries: [...configEntries] } : {}) })),
        ...(opts.waitForLeaders === undefined ? {} : { waitForLeaders: opts.waitForLeaders }),
        ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
      }),
    fetchTopicMetadata: (opts) => admin.fetchTopicMetadata({ topics: [...opts.topics] }),
    fetchTopicOffsets: (topic) => admin.fetchTopicOffsets(topic),
    fetchTopicOffsetsByTimestamp: (topic, timestamp) => admin.fetchTopicOffsetsByTimestamp(topic, timestamp),
    fetchOffsets: (opts) => admin.fetchOffsets({ groupId: opts.groupId, topics: [...opts.topics] }),
    listGroups: () => admin.listGroups(),
    describeCluster: () => admin.describeCluster(),
    async describeTopicConfigs(topics, configNames) {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          ...(configNames ? { configNames: [...configNames] } : {}),
        })),
      });
      return new Map(
        described.resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]),
      );
    },
  };
}
