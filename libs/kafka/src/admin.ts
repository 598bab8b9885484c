/** A topic to create: partitions, replication and topic configs (`retention.ms`, ...). */
export interface TopicCreation {
  readonly topic: string;
  readonly numPartitions?: number;
  readonly replicationFactor?: number;
  readonly configEntries?: readonly { readonly name: string; readonly value: string }[];
}

/** A partition's offsets: `low` is the log start, `high` the next offset to be written. */
export interface PartitionWatermarks {
  readonly partition: number;
  readonly offset: string;
  readonly high: string;
  readonly low: string;
}

export interface TopicMetadata {
  readonly name: string;
  readonly partitions: readonly {
    readonly partitionId: number;
    readonly leader: number;
    readonly replicas: readonly number[];
    readonly isr: readonly number[];
  }[];
}

/** A group's committed offsets per topic; `-1` where it committed nothing. */
export interface GroupTopicOffsets {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number; readonly offset: string }[];
}

/**
 * The cluster operations the services, tools and dev stack use. Errors keep the client's own
 * `retriable` flag, which callers may read to decide on retrying.
 */
export interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  /** False when every topic existed already; with `waitForLeaders`, resolves once they have leaders. */
  createTopics(opts: {
    readonly topics: readonly TopicCreation[];
    readonly waitForLeaders?: boolean;
    readonly timeout?: number;
  }): Promise<boolean>;
  fetchTopicMetadata(opts: { readonly topics: readonly string[] }): Promise<{ topics: TopicMetadata[] }>;
  fetchTopicOffsets(topic: string): Promise<PartitionWatermarks[]>;
  /** The first offset at or after `timestamp` (epoch ms) per partition. */
  fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): Promise<{ partition: number; offset: string }[]>;
  fetchOffsets(opts: { readonly groupId: string; readonly topics: readonly string[] }): Promise<GroupTopicOffsets[]>;
  listGroups(): Promise<{ groups: { groupId: string; protocolType: string }[] }>;
  describeCluster(): Promise<{ brokers: { nodeId: number; host: string; port: number }[]; controller: number | null; clusterId: string }>;
  /** The named configs (all when none are named) of each topic, by topic name. */
  describeTopicConfigs(topics: readonly string[], configNames?: readonly string[]): Promise<Map<string, Record<string, string | null>>>;
}
