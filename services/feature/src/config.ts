import { z } from 'zod';
import { checkSecurityEnv, commonServiceEnv, intFromEnv, redisSecurityEnv, redisUrl } from '@tidewater/config';
import { topicNamesEnv } from '@tidewater/service-runtime';
import { defaultFeatureSetPath } from '@tidewater/feature-set';

/** PARTITIONS_CONCURRENTLY when not set (also for an app created without it). */
export const defaultPartitionsConcurrently = 6;

const featureFields = z.object({
  ...commonServiceEnv,
  ...topicNamesEnv,
  HTTP_PORT: intFromEnv(0, 65535).default(8081),
  CONSUMER_GROUP: z.string().min(1).default('tidewater-feature'),
  REDIS_URL: redisUrl(),
  ...redisSecurityEnv,
  /** Prefix of every Redis key, so several stacks or tests can share one Redis. */
  REDIS_KEY_PREFIX: z.string().default('tw:feature:'),
  /** The feature-set file (YAML) the service computes. */
  FEATURE_SET_FILE: z.string().min(1).default(defaultFeatureSetPath),
  /**
   * Partitions processed at once. Safe for the state: an entity lives in one partition (the key),
   * so its events stay in order, and each event's update is atomic anyway (and a compare-and-set,
   * should keys and entities ever differ). Each batch waits on round trips (state read and write
   * with the online store, produce, offset commit), and kafkajs fetches again only once every batch
   * of the last fetch is done: batches in turn add their round trips to the cycle, batches at once
   * overlap them (and their produce requests merge, libs/kafka send-queue.ts) but share the CPU and
   * finish together. 6 (every partition of the topic, on one pod) lowered the pipeline's end-to-end
   * p99 at 2,000 events/s against 2 in each of three interleaved runs on the 2-core machine, with
   * less CPU (docs/benchmarks/pipeline.md, "Partitions at once", issue 23); 1 processes one
   * partition's batch at a time.
   */
  PARTITIONS_CONCURRENTLY: intFromEnv(1, 64).default(defaultPartitionsConcurrently),
  /** How often a background SCAN counts the keys under the prefix for tw_feature_state_keys. */
  STATE_KEYS_INTERVAL_MS: intFromEnv(1000, 86_400_000).default(60_000),
  /** How long the online store keeps an entity's latest vector after its last event. */
  ONLINE_STORE_TTL_MS: intFromEnv(1000, 30 * 86_400_000).default(86_400_000),
});

export const featureConfigSchema = featureFields.superRefine(...checkSecurityEnv);

export type FeatureConfig = z.infer<typeof featureConfigSchema>;
