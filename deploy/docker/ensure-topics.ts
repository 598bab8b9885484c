import { defineErrors } from '@tidewater/errors';
import type { KafkaAdmin, TopicCreation } from '@tidewater/kafka';
import type { TopicSpec } from '@tidewater/schemas';

export const topicSetupErrors = defineErrors('TW_TOPICS_', {
  TW_TOPICS_TOO_FEW_PARTITIONS: {
    retriable: false,
    description:
      'A topic exists with fewer partitions than deploy/topics.yaml lists; add partitions deliberately (it moves keys to other partitions), then rerun.',
  },
});

/** The CreateTopics entries for the manifest's topics: partitions, cleanup policy and retention as topic configs. */
export function topicCreationRequests(topics: readonly TopicSpec[], replicationFactor: number): TopicCreation[] {
  return topics.map((t) => ({
    topic: t.name,
    numPartitions: t.partitions,
    replicationFactor,
    configEntries: [
      { name: 'cleanup.policy', value: t.cleanupPolicy },
      { name: 'retention.ms', value: String(t.retentionMs) },
    ],
  }));
}

export interface EnsureTopicsResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
}

/**
 * Creates the topics that do not exist yet and checks that the others have at least the listed
 * partitions. Existing topics are never changed: adding partitions remaps keys, which is an
 * operator's decision, and more partitions than listed is harmless. Safe to run on every start.
 */
export async function ensureTopics(
  admin: KafkaAdmin,
  topics: readonly TopicSpec[],
  opts: { replicationFactor: number },
): Promise<EnsureTopicsResult> {
  const present = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !present.has(t.name));
  const existing = topics.filter((t) => present.has(t.name));
  if (missing.length > 0) {
    // Only the missing ones: when any topic already exists, kafkajs returns early without waiting
    // for the new topics' leaders, and the services' readiness checks need those leaders.
    await admin.createTopics({ topics: topicCreationRequests(missing, opts.replicationFactor), waitForLeaders: true });
  }
  if (existing.length > 0) {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: existing.map((t) => t.name) });
    const partitionsByName = new Map(metadata.map((m) => [m.name, m.partitions.length]));
    const short = existing
      .map((t) => ({ topic: t.name, listed: t.partitions, actual: partitionsByName.get(t.name) ?? 0 }))
      .filter((t) => t.actual < t.listed);
    if (short.length > 0) {
      const list = short.map((t) => `${t.topic} has ${t.actual}, deploy/topics.yaml lists ${t.listed}`).join('; ');
      throw topicSetupErrors.create('TW_TOPICS_TOO_FEW_PARTITIONS', `topics with too few partitions: ${list}`, {
        details: { topics: short },
      });
    }
  }
  return { created: missing.map((t) => t.name), existing: existing.map((t) => t.name) };
}
